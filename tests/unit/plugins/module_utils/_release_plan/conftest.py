# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared inputs of the release plan tests: the facts of a repository and a small plan."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import new_plan, set_entry
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import evaluate

BF = 'b' * 40
LR = 'a' * 40


def make_facts(bf_version='1.2.3', lr_version='1.2.3', bf_commit=BF, lr_commit=LR, tags=None, in_bf=True, errors=None):
    return {'default_branch': 'main', 'version_file': 'project_info.cmake', 'tags': tags or {},
            'bug_fix': {'branch': 'main', 'commit': bf_commit, 'version': bf_version},
            'latest_release': {'branch': 'latest_release', 'commit': lr_commit, 'version': lr_version},
            'latest_release_in_bug_fix': in_bf, 'errors': errors or []}


def build_plan():
    plan = new_plan()
    set_entry(plan, 'soma', 'soma-io', evaluate(Component('soma-io', 'u2', 'soma'), make_facts()))
    set_entry(plan, 'aims', 'aims-free', evaluate(Component('aims-free', 'u1', 'aims'), make_facts(bf_commit=LR)))
    set_entry(plan, 'soma', 'soma-base', evaluate(Component('soma-base', 'https://example.org/soma-base.git', 'soma'),
                                                  make_facts(bf_version='1.3')))
    return plan


@pytest.fixture
def facts():
    """The facts of a repository: ``facts(bf_version=..., lr_commit=..., tags=..., in_bf=...)``."""
    return make_facts


@pytest.fixture
def make_plan():
    """``make_plan()``: soma/soma-io (todo), aims/aims-free (nothing), soma/soma-base (todo)."""
    return build_plan
