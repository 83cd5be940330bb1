# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions file."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._files import parse_yaml
from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.decisions import parse_decisions
from ansible_collections.casa.distro.plugins.module_utils._schema import SchemaError
from ansible_collections.casa.distro.tests.unit.plugins.module_utils._release_plan.release_plan_strategies import file_bytes, mapping_with, values
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


def test_decisions():
    decisions = parse_decisions({'ignore': {'component': ['a'], 'projects': 'p'}}, 'd.yml')
    assert decisions.ignores(Component('a', 'u', 'x'))
    assert decisions.ignores(Component('b', 'u', 'p'))
    assert not decisions.ignores(Component('b', 'u', 'q'))
    assert not parse_decisions(None).ignores(Component('a', 'u'))
    with pytest.raises(SchemaError, match='^d.yml: ignore.branch: unknown key; valid keys: component, components, project, projects$'):
        parse_decisions({'ignore': {'branch': ['x']}}, 'd.yml')
    with pytest.raises(SchemaError, match='^d.yml: skip: unknown key; valid keys: ignore$'):
        parse_decisions({'skip': {}}, 'd.yml')


@pytest.mark.parametrize('data, message', [
    ({'ignore': {'component': [1]}}, r'ignore.component: expected a non-empty string or a list of non-empty strings or null, got a list \[1\]'),
    ({'ignore': [1]}, r'ignore: expected a mapping with component and project lists, got a list \[1\]'),
    ({'ignore': {5: 'x'}}, 'ignore: keys must be strings, got an integer 5'),
    (['ignore'], r"expected a mapping with an ignore key, got a list \['ignore'\]"),
    ('text', "expected a mapping with an ignore key, got a string 'text'"),
])
def test_decisions_of_the_wrong_shape_name_the_file_and_key(data, message):
    with pytest.raises(SchemaError, match='^d.yml: ' + message + '$'):
        parse_decisions(data, 'd.yml')


# ------------------------------------------------------------------ property-based (issue 9)
NAMES = st.one_of(st.sampled_from(['soma', 'aims', 'legacy']), st.lists(st.sampled_from(['soma', 'aims', '']), max_size=3), values)
DECISIONS_DOCUMENTS = st.one_of(
    st.fixed_dictionaries({'ignore': st.one_of(st.none(), mapping_with(['component', 'components', 'project', 'projects'], NAMES))}),
    values)


@fuzz_settings
@given(file_bytes(DECISIONS_DOCUMENTS))
def test_decisions_file_parser_accepts_or_names_the_file(data):
    where = 'release/decisions.yml'
    decisions = check_parser('release plan decisions file', lambda: parse_decisions(parse_yaml(data, where), where), where)
    if decisions is not None:
        assert not decisions.ignores(Component('never-listed', 'u', 'never-listed'))
