# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan schema: what a hand-edited plan may hand to git and write (issue 9)."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
import yaml

from ansible_collections.casa.distro.plugins.module_utils._files import parse_yaml
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import dump_plan, load_plan, plan_entries
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_schema import validate_plan
from ansible_collections.casa.distro.plugins.module_utils._release_plan.reports import render_markdown
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import actions_match, component_state
from ansible_collections.casa.distro.tests.unit.plugins.module_utils._release_plan.conftest import build_plan
from ansible_collections.casa.distro.tests.unit.plugins.module_utils._release_plan.release_plan_strategies import HOSTILE_TEXTS, file_bytes, values
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


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


# ------------------------------------------------------------------ property-based (issue 9)
def _places(value, found):
    """Every (container, key) of a loaded plan, depth first."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.append((value, key))
        _places(item, found)
    return found


@st.composite
def edited_plans(draw):
    """A sound plan with up to three hand edits: a value replaced (by a hostile or random one), a key removed or added."""
    data = yaml.safe_load(dump_plan(build_plan()))
    for dummy in range(draw(st.integers(min_value=0, max_value=3))):
        places = _places(data, [])
        container, key = places[draw(st.integers(min_value=0, max_value=len(places) - 1))]
        edit = draw(st.sampled_from(['replace', 'replace', 'delete', 'add']))
        if edit == 'delete' or (edit == 'add' and isinstance(container, list)):
            del container[key]
        elif edit == 'add':
            container[draw(st.one_of(st.text(max_size=6), st.integers()))] = draw(values)
        else:
            container[key] = draw(st.one_of(st.sampled_from(HOSTILE_TEXTS), values))
    return data


def load_and_use(data, where):
    """Parse the plan, then what create, publish and apply do first with it (none may crash)."""
    plan = validate_plan(parse_yaml(data, where), where)
    dump_plan(plan)
    render_markdown(plan, 'Release plan')
    for dummy, dummy2, entry in plan_entries(plan):
        actions_match(entry)
        component_state(entry)
    return plan


@fuzz_settings
@given(file_bytes(edited_plans()))
def test_plan_file_parser_accepts_or_names_the_file(data):
    where = 'release/release_plan.yml'
    check_parser('release plan file', lambda: load_and_use(data, where), where)
