# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The v2 rules: plan entries, actions and states from the facts of a repository."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import actions_match, component_state, evaluate, ignored_entry

BF = 'b' * 40
LR = 'a' * 40
OTHER = 'c' * 40


# ------------------------------------------------------------------ rules
COMPONENT = Component('soma-base', 'https://example.org/soma-base.git', 'soma')


def kinds(entry):
    return [a['action'] for a in entry['actions']]


def test_identical_commits_nothing_to_do(facts):
    entry = evaluate(COMPONENT, facts(bf_commit=LR))
    assert entry['actions'] == [] and entry['state'] == 'nothing'
    assert 'identical' in entry['info'][0]


def test_equal_versions_bump_the_patch(facts):
    entry = evaluate(COMPONENT, facts())
    assert entry['planned_version'] == entry['proposed_version'] == '1.2.4'
    assert kinds(entry) == ['tag', 'set_version', 'set_branch']
    tag, bump, branch = entry['actions']
    assert tag == {'action': 'tag', 'tag': '1.2.3', 'commit': LR, 'status': 'pending'}
    assert bump['from_version'] == '1.2.3' and bump['version'] == '1.2.4' and bump['parent'] == BF
    assert bump['file'] == 'project_info.cmake' and bump['branch'] == 'main'
    assert branch['from_commit'] == LR and branch['branch'] == 'latest_release' and branch['source'] == 'main'
    assert entry['state'] == 'todo' and entry['errors'] == [] and entry['warnings'] == []


def test_bug_fix_ahead_keeps_its_version(facts):
    entry = evaluate(COMPONENT, facts(bf_version='1.3.0'))
    assert entry['planned_version'] == '1.3.0'
    assert kinds(entry) == ['tag', 'set_branch']


def test_latest_release_newer_is_an_error(facts):
    entry = evaluate(COMPONENT, facts(bf_version='1.2.3', lr_version='1.10.0'))
    assert entry['state'] == 'error' and entry['actions'] == []
    assert entry['errors'] == ['latest_release version 1.10.0 is higher than bug_fix version 1.2.3']


def test_tag_on_another_commit_is_an_error(facts):
    entry = evaluate(COMPONENT, facts(tags={'1.2.3': OTHER}))
    assert entry['state'] == 'error' and entry['actions'] == []
    assert 'tag 1.2.3 already exists on commit cccccccccc' in entry['errors'][0]


def test_tag_already_on_latest_release_is_not_redone(facts):
    entry = evaluate(COMPONENT, facts(tags={'1.2.3': LR}))
    assert kinds(entry) == ['set_version', 'set_branch']
    assert entry['version_tag'] == {'name': '1.2.3', 'commit': LR}


def test_missing_latest_release_is_created(facts):
    entry = evaluate(COMPONENT, facts(lr_commit=None, lr_version=None))
    assert kinds(entry) == ['set_branch'] and entry['actions'][0]['from_commit'] is None
    assert entry['planned_version'] == '1.2.3' and entry['state'] == 'todo'


def test_diverged_latest_release_is_a_warning(facts):
    entry = evaluate(COMPONENT, facts(in_bf=False))
    assert entry['state'] == 'warning' and 'has commits that bug_fix' in entry['warnings'][0]


def test_existing_tag_of_planned_version_is_a_warning(facts):
    entry = evaluate(COMPONENT, facts(tags={'1.2.4': OTHER}))
    assert entry['state'] == 'warning' and 'tag 1.2.4 of the planned version' in entry['warnings'][0]


def test_inspection_errors_are_kept(facts):
    entry = evaluate(COMPONENT, facts(errors=['cannot read remote x: denied']))
    assert entry['state'] == 'error' and entry['errors'] == ['cannot read remote x: denied']


def test_tag_format_is_used(facts):
    component = Component('a', 'u', tag_format='v{version}')
    assert evaluate(component, facts())['actions'][0]['tag'] == 'v1.2.3'


def test_update_keeps_a_hand_edited_planned_version(facts):
    previous = evaluate(COMPONENT, facts())
    previous['planned_version'] = '1.3.0'
    entry = evaluate(COMPONENT, facts(), previous)
    assert entry['planned_version'] == '1.3.0' and entry['proposed_version'] == '1.2.4'
    assert entry['actions'][1]['version'] == '1.3.0'
    assert any('set by hand' in line for line in entry['info'])
    # Once the branches' versions changed, the old hand-made choice no longer applies.
    moved = evaluate(COMPONENT, facts(bf_version='1.4.0'), previous)
    assert moved['planned_version'] == '1.4.0' and any('dropped' in line for line in moved['info'])


@pytest.mark.parametrize('planned, message', [('1.2.3', 'must be higher than latest_release version 1.2.3'),
                                              ('1.0', 'lower than bug_fix version'),
                                              (1.3, 'must be a quoted string')])
def test_bad_hand_edited_version_is_an_error(planned, message, facts):
    previous = evaluate(COMPONENT, facts())
    previous['planned_version'] = planned
    entry = evaluate(COMPONENT, facts(), previous)
    assert entry['state'] == 'error' and message in ' '.join(entry['errors'])


def test_actions_match_detects_a_manual_edit_without_update(facts):
    entry = evaluate(COMPONENT, facts())
    assert actions_match(entry)
    entry['actions'][0]['status'] = 'done'
    assert actions_match(entry)
    entry['planned_version'] = '2.0.0'
    assert not actions_match(entry)


def test_component_state_done_after_all_actions(facts):
    entry = evaluate(COMPONENT, facts(in_bf=False))
    for action in entry['actions']:
        action['status'] = 'done'
    assert component_state(entry) == 'done'
    assert component_state(ignored_entry(COMPONENT)) == 'ignored'
