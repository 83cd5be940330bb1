# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply checks before any git, moved remotes and adoption (remote state given)."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._files import atomic_write
from ansible_collections.casa.distro.plugins.module_utils._release_plan.apply import Applier
from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import dump_plan, load_plan, new_plan, set_entry
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import evaluate, ignored_entry

BF = 'b' * 40
LR = 'a' * 40
OTHER = 'c' * 40


# ------------------------------------------------------------------ apply checks (before any git)
def applier(plan, ignore_warnings=False):
    return Applier(plan, 'plan.yml', 'work', {}, check_mode=True, ignore_warnings=ignore_warnings)


def test_apply_errors_always_block(facts, make_plan):
    plan = make_plan()
    set_entry(plan, 'aims', 'broken', evaluate(Component('broken', 'u'), facts(lr_version='9.0')))
    for ignore in (False, True):
        with pytest.raises(ReleasePlanError, match='aims/broken: error: latest_release version 9.0 is higher') as caught:
            applier(plan, ignore).validate()
        assert caught.value.details['problems'] == ['aims/broken: error: latest_release version 9.0 is higher than bug_fix version 1.2.3']


def test_apply_warnings_block_unless_ignored(facts, make_plan):
    plan = make_plan()
    set_entry(plan, 'aims', 'diverged', evaluate(Component('diverged', 'u'), facts(in_bf=False)))
    with pytest.raises(ReleasePlanError, match='aims/diverged: warning: .* \\(set ignore_warnings to proceed\\)'):
        applier(plan).validate()
    applier(plan, ignore_warnings=True).validate()
    # Once its actions are done, a component's warnings no longer block.
    for action in plan['projects']['aims']['diverged']['actions']:
        action['status'] = 'done'
    applier(plan).validate()


def test_apply_refuses_stale_actions_and_lists_pending(make_plan):
    plan = make_plan()
    plan['projects']['soma']['soma-io']['planned_version'] = '1.3.0'
    with pytest.raises(ReleasePlanError, match='soma/soma-io: its actions do not match its planned_version 1.3.0'):
        applier(plan).validate()
    plan['projects']['soma']['soma-io']['planned_version'] = '1.2.4'
    assert [(p, n) for p, n, e in applier(plan).pending()] == [('soma', 'soma-base'), ('soma', 'soma-io')]


def test_plan_with_error_and_ignored_entries_loads_back(tmp_path, make_plan):
    plan = make_plan()
    broken = evaluate(Component('broken', 'u'), {'bug_fix': {'branch': None}, 'errors': ['cannot read remote u: denied']})
    set_entry(plan, 'aims', 'broken', broken)
    set_entry(plan, 'legacy', 'old', ignored_entry(Component('old', 'u', 'legacy')))
    path = str(tmp_path / 'plan.yml')
    atomic_write(path, dump_plan(plan))
    loaded = load_plan(path)
    assert loaded['projects']['aims']['broken']['state'] == 'error'
    assert loaded['projects']['legacy']['old']['state'] == 'ignored'
    with pytest.raises(ReleasePlanError, match='aims/broken: error: cannot read remote u: denied'):
        applier(loaded).validate()


# ------------------------------------------------------------------ moved remotes and adoption (remote state given)
BUMP = 'd' * 40


class FakeRemoteApplier(Applier):
    """An Applier whose remotes are given: heads and tags per component, and whether bug_fix's
    head is this plan's own bump commit."""

    def __init__(self, plan, remotes, own_bumps=()):
        super().__init__(plan, 'plan.yml', 'work', {}, check_mode=True)
        self.remotes = remotes
        self.own_bumps = set(own_bumps)

    def _remote_states(self, pending):
        return dict((name, (self.remotes[name], None)) for dummy, name, dummy2 in pending)

    def _adopt_bump(self, name, entry, action, head):
        return head in self.own_bumps


def single_plan(facts):
    plan = new_plan()
    set_entry(plan, 'soma', 'soma-io', evaluate(Component('soma-io', 'u', 'soma'), facts()))
    return plan


def test_unchanged_remote_is_accepted(facts):
    plan = single_plan(facts)
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': BF, 'latest_release': LR}, 'tags': {}}})
    applier_.check_remotes(applier_.pending())
    assert applier_.adopted == []


def test_moved_branch_is_refused_with_the_component_named(facts):
    plan = single_plan(facts)
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': OTHER, 'latest_release': LR}, 'tags': {}}})
    with pytest.raises(ReleasePlanError, match=r'moved since the plan was made: soma-io \(branch main: planned bbbbbbbbbb, now cccccccccc\)') as caught:
        applier_.check_remotes(applier_.pending())
    assert caught.value.details['moved'] == ['soma-io']


def test_tag_made_elsewhere_is_refused(facts):
    plan = single_plan(facts)
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': BF, 'latest_release': LR}, 'tags': {'1.2.3': OTHER}}})
    with pytest.raises(ReleasePlanError, match='tag 1.2.3: planned absent, now on cccccccccc'):
        applier_.check_remotes(applier_.pending())


def test_work_of_an_interrupted_run_is_adopted_not_redone(facts):
    plan = single_plan(facts)
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': BUMP, 'latest_release': BUMP}, 'tags': {'1.2.3': LR}}},
                                 own_bumps=[BUMP])
    applier_.check_remotes(applier_.pending())
    actions = plan['projects']['soma']['soma-io']['actions']
    assert [a['status'] for a in actions] == ['done', 'done', 'done']
    assert actions[1]['result_commit'] == BUMP and actions[2]['result_commit'] == BUMP
    assert len(applier_.adopted) == 3 and applier_.pending() == []


def test_latest_release_is_not_adopted_before_the_bump(facts):
    plan = single_plan(facts)
    actions = plan['projects']['soma']['soma-io']['actions']
    actions[1]['result_commit'] = BUMP  # recorded, but the bump itself is not known as done
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': OTHER, 'latest_release': BUMP}, 'tags': {}}})
    with pytest.raises(ReleasePlanError, match='soma-io'):
        applier_.check_remotes(applier_.pending())
    assert [a['status'] for a in actions] == ['pending', 'pending', 'pending']
