# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan schema: what a hand-edited plan may hand to git and write (issue 9)."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import dump_plan, load_plan
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_schema import validate_plan


def write_edited(tmp_path, plan, edit):
    data = yaml.safe_load(dump_plan(plan))
    edit(data['projects']['soma']['soma-io'])
    path = tmp_path / 'plan.yml'
    path.write_text(yaml.safe_dump(data))
    return str(path)


def set_version_action(entry):
    return [a for a in entry['actions'] if a['action'] == 'set_version'][0]


@pytest.mark.parametrize('url', ['--upload-pack=touch PWNED; false', '-u', 'ext::sh -c touch% PWNED', 'fd::17'])
def test_a_plan_url_git_would_run_is_refused(tmp_path, make_plan, url):
    path = write_edited(tmp_path, make_plan(), lambda entry: entry.update(url=url))
    with pytest.raises(ReleasePlanError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(path + ': projects.soma.soma-io: component soma-io: url: %r is not a valid git repository URL (' % url)
    assert caught.value.details['component'] == 'soma-io' and caught.value.details['value'] == url


@pytest.mark.parametrize('value', ['/etc/passwd', '../../.bashrc', 'sub/../../x', '.git/hooks/post-checkout', ''])
@pytest.mark.parametrize('key', ['version_file', 'file'])
def test_a_version_file_out_of_the_repository_is_refused(tmp_path, make_plan, key, value):
    def edit(entry):
        if key == 'version_file':
            entry['version_file'] = value
        else:
            set_version_action(entry)['file'] = value
    path = write_edited(tmp_path, make_plan(), edit)
    with pytest.raises(ReleasePlanError) as caught:
        load_plan(path)
    shown = 'version_file' if key == 'version_file' else 'actions[1].file'
    assert str(caught.value).startswith("%s: projects.soma.soma-io: component soma-io: %s %r refused: " % (path, shown, value))
    assert caught.value.details == {'file': path, 'component': 'soma-io', 'key': shown, 'value': value}


def test_a_component_name_that_climbs_out_of_work_dir_is_refused(make_plan):
    plan = make_plan()
    plan['projects']['soma']['../escape'] = plan['projects']['soma'].pop('soma-io')
    with pytest.raises(ReleasePlanError, match=r'plan.yml: projects.soma.../escape: component name .* must not contain "/"'):
        validate_plan(plan, 'plan.yml')


def test_a_sound_plan_passes(make_plan):
    plan = make_plan()
    assert validate_plan(plan, 'plan.yml') is plan
