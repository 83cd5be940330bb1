# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan file: order, text, load, validation."""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible_collections.casa.distro.plugins.module_utils._files import atomic_write
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._schema import SchemaError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import (
    dump_plan, load_plan, new_plan, plan_entries, set_entry, sorted_plan)


def test_plan_ordering_is_stable_and_sorted(make_plan):
    plan = make_plan()
    assert [(p, n) for p, n, e in plan_entries(plan)] == [('aims', 'aims-free'), ('soma', 'soma-base'), ('soma', 'soma-io')]
    text = dump_plan(plan)
    assert text.index('aims-free') < text.index('soma-base') < text.index('soma-io')
    assert text.startswith('schema_version: 1\ngenerator: casa.distro.casa_release_plan\nprojects:\n')
    entry_keys = [line.strip().split(':')[0] for line in text.split('soma-io:')[1].splitlines()[1:13]]
    assert entry_keys == ['url', 'state', 'version_file', 'bug_fix', 'branch', 'commit', 'version', 'latest_release',
                          'branch', 'commit', 'version', 'version_tag']
    # Another insertion order gives the same bytes.
    other = new_plan()
    for project, name, entry in reversed(list(plan_entries(plan))):
        set_entry(other, project, name, entry)
    assert dump_plan(other) == text


def test_plan_round_trip_keeps_versions_as_strings(tmp_path, make_plan):
    plan = make_plan()
    path = str(tmp_path / 'plan.yml')
    atomic_write(path, dump_plan(plan))
    loaded = load_plan(path)
    assert loaded == sorted_plan(plan)
    assert loaded['projects']['soma']['soma-base']['planned_version'] == '1.3'
    assert [a['status'] for a in loaded['projects']['soma']['soma-io']['actions']] == ['pending'] * 3
    assert os.listdir(str(tmp_path)) == ['plan.yml']  # no temporary file left behind


def test_set_entry_moves_a_component_between_projects(make_plan):
    plan = make_plan()
    set_entry(plan, 'aims', 'soma-io', plan['projects']['soma']['soma-io'])
    assert sorted(plan['projects']['soma']) == ['soma-base'] and sorted(plan['projects']['aims']) == ['aims-free', 'soma-io']


@pytest.mark.parametrize('edit, message', [
    (lambda d: d.update(schema_version=2), 'schema_version is 2'),
    (lambda d: d['projects']['soma']['soma-io'].update(planned_version=1.3),
     r"projects.soma.soma-io.planned_version: expected a quoted string, got a number 1.3 \(write it as '1.3'\)"),
    (lambda d: d['projects']['soma']['soma-io'].update(planned_version='x.y'), r"projects.soma.soma-io.planned_version: 'x.y' is not a version"),
    (lambda d: d['projects']['soma']['soma-io']['actions'][0].update(status='ok'),
     r"projects.soma.soma-io.actions\[0\].status: expected one of pending, done, got 'ok'"),
    (lambda d: d['projects']['soma']['soma-io']['actions'][0].update(action='merge'),
     r"projects.soma.soma-io.actions\[0\].action: expected one of tag, set_version, set_branch, got 'merge'"),
    (lambda d: d['projects']['soma']['soma-io'].pop('bug_fix'), 'projects.soma.soma-io.bug_fix: required key is missing'),
    # The crash classes of issue 9.
    (lambda d: d['projects']['soma']['soma-io']['actions'][0].pop('tag'), r'projects.soma.soma-io.actions\[0\].tag: required key is missing'),
    (lambda d: d['projects']['soma']['soma-io'].update(info=[1]), r'projects.soma.soma-io.info\[0\]: expected a string, got an integer 1'),
    (lambda d: d['projects']['soma']['soma-io'].update(actions={'a': 1}), r"projects.soma.soma-io.actions: expected a list of actions, got a mapping"),
    (lambda d: d['projects']['soma']['soma-io']['bug_fix'].update(commit='HEAD'),
     r"projects.soma.soma-io.bug_fix.commit: expected a full commit id \(40 hexadecimal digits\), got 'HEAD'"),
    (lambda d: d['projects']['soma']['soma-io']['actions'][0].update(tag='--delete'),
     r"projects.soma.soma-io.actions\[0\].tag: expected a git tag name, got '--delete' \(it starts with \"-\"\)"),
    (lambda d: d['projects']['soma']['soma-io'].update(planned_version='1.' + '9' * 5000),
     r'projects.soma.soma-io.planned_version: .* is not a version number \(a part has more than 18 digits\)'),
    (lambda d: d['projects'].update(soma=[1]), r'projects.soma: expected a mapping, got a list \[1\]'),
    (lambda d: d.update(schema_version=True), 'schema_version: expected an integer, got a boolean True'),
])
def test_plan_validation_names_the_key(tmp_path, edit, message, make_plan):
    data = yaml.safe_load(dump_plan(make_plan()))
    edit(data)
    path = tmp_path / 'plan.yml'
    path.write_text(yaml.safe_dump(data))
    with pytest.raises((ReleasePlanError, SchemaError), match='^%s: %s' % (re.escape(str(path)), message)):
        load_plan(str(path))


def test_missing_plan_file_says_create(tmp_path):
    with pytest.raises(ReleasePlanError, match='does not exist; make it with command=create'):
        load_plan(str(tmp_path / 'none.yml'))


def test_atomic_write_keeps_mode(tmp_path):
    path = tmp_path / 'plan.yml'
    path.write_text('old')
    os.chmod(str(path), 0o640)
    atomic_write(str(path), 'new')
    assert path.read_text() == 'new' and (os.stat(str(path)).st_mode & 0o777) == 0o640


def test_dump_plan_cache_gives_the_same_text(make_plan):
    plan = make_plan()
    cache = {}
    text = dump_plan(plan, cache)
    assert sorted(cache) == [('aims', 'aims-free'), ('soma', 'soma-base'), ('soma', 'soma-io')]
    assert dump_plan(plan, cache) == text == dump_plan(plan)
    plan['projects']['soma']['soma-io']['actions'][0]['status'] = 'done'
    cache.pop(('soma', 'soma-io'))
    assert dump_plan(plan, cache) == dump_plan(plan) != text
    assert dump_plan(new_plan()) == 'schema_version: 1\ngenerator: casa.distro.casa_release_plan\nprojects: {}\n'
