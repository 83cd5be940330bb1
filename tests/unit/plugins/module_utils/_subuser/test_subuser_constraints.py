# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.constraints import compare_versions, parse_version, select_constraint, validate_constraints
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._versions import Version


def test_versions_are_compared_loosely():
    # The ordering itself (suffixes, development builds, pre-releases) is tested in test__versions.py.
    assert compare_versions('0.10', '>', '0.6') is True
    assert compare_versions('0.7-dev', '<=', '0.7') is False
    assert parse_version('0.6.2-dev-abc123') == Version.loose('0.6.2-dev-abc123')


def test_bad_version_and_operator():
    with pytest.raises(SubuserError, match='not a version'):
        parse_version('latest')
    with pytest.raises(SubuserError, match='not a valid operator'):
        compare_versions('1', '~=', '1')


CONSTRAINTS = [['>=', '0.7', 'latest'], ['>=', '0.6', 'subuser-0.6'], ['<', '0.6', 'a' * 40]]


@pytest.mark.parametrize('version,ref,index', [
    ('0.10', 'latest', 0), ('0.7', 'latest', 0), ('0.6.2', 'subuser-0.6', 1), ('0.5', 'a' * 40, 2),
])
def test_first_matching_constraint_wins(version, ref, index):
    assert select_constraint(CONSTRAINTS, version, 'x')[:2] == (ref, index)


def test_no_constraint_matches_is_an_error():
    with pytest.raises(SubuserError, match=r'no subuser-version-constraints entry matches subuser version 0\.5'):
        select_constraint([['>', '0.6', 'x']], '0.5', '.subuser.json')


@pytest.mark.parametrize('constraints,message', [
    ({'>': 1}, 'must be a list'),
    ([['>', '0.6']], r'constraints\[0\]'),
    ([['>', '0.6', 'b'], ['=>', '0.5', 'c']], r'\[1\]: "=>" is not a valid operator'),
    ([['>', 'abc', 'b']], 'not a version'),
    ([['>', '0.6', ' ']], 'empty ref'),
])
def test_constraint_shape_errors(constraints, message):
    with pytest.raises(SubuserError, match=message):
        validate_constraints(constraints, '.subuser.json')


def test_development_build_picks_the_branch_of_its_release_or_later():
    # the default repository's constraints: versions above 0.4.1 read "latest"
    constraints = [['>', '0.4.1', 'latest'], ['<=', '0.4.1', 'master']]
    assert select_constraint(constraints, '0.4.1-dev-abc', 'r/.subuser.json')[0] == 'latest'
    assert select_constraint(constraints, '0.4.1', 'r/.subuser.json')[0] == 'master'
    assert select_constraint(constraints, '0.4.0-dev-abc', 'r/.subuser.json')[0] == 'master'
