# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.publish import publish
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git


def test_publish_is_idempotent(tmp_path, git):
    dest = tmp_path / 'dest.git'
    git(tmp_path, 'init', '-q', '--bare', '-b', 'main', str(dest))
    sources = [{'name': 'hello', 'image': 'debian:bookworm', 'permissions': {'description': 'hi'}},
               {'name': 'child', 'parent': 'hello', 'permissions': {'description': 'child'}}]
    first = publish(str(dest), sources, image_sources_dir='images',
                    version_constraints=[['>=', '0.6', 'master']])
    assert first['pushed'] and first['branch'] == 'master' and first['commit_before'] is None
    assert '.subuser.json' in first['changed_files']
    again = publish(str(dest), sources, image_sources_dir='images',
                    version_constraints=[['>=', '0.6', 'master']])
    assert not again['pushed'] and again['changed_files'] == [] and again['commit'] == first['commit']
    checked = publish(str(dest), sources[:1], image_sources_dir='images', prune=True, check_mode=True)
    assert not checked['pushed'] and checked['removed_sources'] == ['child']
    assert git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master') == first['commit']
    repository = open_git('file://%s' % dest, str(tmp_path / 'cache'), subuser_version='0.6.2')
    assert sorted(repository.sources) == ['child', 'hello']
    assert repository.sources['child'].parent_text == 'hello'


def test_publish_refusals_before_any_clone(tmp_path):
    with pytest.raises(SubuserError, match='sources is empty'):
        publish(str(tmp_path / 'none.git'), [])
    twice = [{'name': 'a', 'image': 'x', 'permissions': {}}] * 2
    with pytest.raises(SubuserError, match='listed twice'):
        publish(str(tmp_path / 'none.git'), twice)


def test_publish_to_missing_repository_is_clean(tmp_path):
    with pytest.raises(SubuserError, match='Cannot clone .* to publish into it'):
        publish(str(tmp_path / 'none.git'), [{'name': 'a', 'image': 'x', 'permissions': {}}])
