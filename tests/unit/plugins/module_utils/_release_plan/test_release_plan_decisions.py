# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions file."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.decisions import parse_decisions
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError


def test_decisions():
    decisions = parse_decisions({'ignore': {'component': ['a'], 'projects': 'p'}}, 'd.yml')
    assert decisions.ignores(Component('a', 'u', 'x'))
    assert decisions.ignores(Component('b', 'u', 'p'))
    assert not decisions.ignores(Component('b', 'u', 'q'))
    assert not parse_decisions(None).ignores(Component('a', 'u'))
    with pytest.raises(ReleasePlanError, match='d.yml: ignore: unknown key branch'):
        parse_decisions({'ignore': {'branch': ['x']}}, 'd.yml')
    with pytest.raises(ReleasePlanError, match='d.yml: unknown key'):
        parse_decisions({'skip': {}}, 'd.yml')
