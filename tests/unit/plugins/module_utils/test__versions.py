# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._versions import (
    OPERATORS, Version, VersionError, compare_versions, parse_version)


# ---------------------------------------------------------------------------- strict (release plans)
@pytest.mark.parametrize('low, high', [
    ('1.9', '1.10'),
    ('1.2.3', '1.2.4'),
    ('1.2', '1.2.1'),
    ('1.2.3rc1', '1.2.3'),
    ('1.2.3rc2', '1.2.3rc10'),
    ('1.2.3-alpha', '1.2.3-beta'),
    ('0.9.9', '1.0'),
    ('5.1.2', '5.1.10'),
])
def test_order(low, high):
    assert Version(low) < Version(high)
    assert Version(high) > Version(low)
    assert Version(low) != Version(high)
    assert sorted([Version(high), Version(low)]) == [Version(low), Version(high)]


def test_equality_ignores_trailing_zeros_and_v():
    assert Version('1.2') == Version('1.2.0')
    assert Version('v1.2.0') == Version('1.2')
    assert len({Version('1.2'), Version('1.2.0')}) == 1
    assert Version('1.2') != '1.2'


def test_parts():
    version = Version(' v1.2.3-rc1 ')
    assert version.text == 'v1.2.3-rc1' and str(version) == 'v1.2.3-rc1' and repr(version) == "Version('v1.2.3-rc1')"
    assert version.numbers == (1, 2, 3) and version.suffix == 'rc1' and version.is_prerelease
    assert not Version('1.2').is_prerelease


@pytest.mark.parametrize('text, padded', [('5', (5, 0, 0)), ('1.2', (1, 2, 0)), ('1.2.3', (1, 2, 3)), ('1.2.3.4', (1, 2, 3, 4))])
def test_padded(text, padded):
    assert Version(text).padded() == padded
    assert Version('1').padded(2) == (1, 0)


@pytest.mark.parametrize('text, bumped', [('1.2.3', '1.2.4'), ('1.2', '1.2.1'), ('5', '5.0.1'), ('1.2.3rc1', '1.2.4'),
                                          ('1.2.3.4', '1.2.3.5')])
def test_bump(text, bumped):
    assert str(Version(text).bump()) == bumped
    assert isinstance(Version(text).bump(), Version)


@pytest.mark.parametrize('text', ['', 'abc', '1..2', '1.2.', '1.2.3 4', 'latest', '0.6.2+', None, 1.2])
def test_rejects_garbage(text):
    with pytest.raises(ValueError):
        Version(text)
    with pytest.raises(InputError):
        Version(text)


def test_errors_name_where_and_value():
    with pytest.raises(VersionError, match=r"^plan.yml: x.planned_version: 'one' is not a version number "
                                           r"\(expected digits separated by dots, like 1.2.3\)$") as info:
        parse_version('one', 'plan.yml: x.planned_version')
    assert info.value.details == {'value': 'one'}
    with pytest.raises(VersionError, match=r"^'one' is not a version number"):
        Version('one')
    with pytest.raises(VersionError, match=r'^f: a version must be a string, got 3$'):
        parse_version(3, 'f')
    assert parse_version('2.0', 'f') == Version('2')


# ---------------------------------------------------------------------------- loose (subuser)
@pytest.mark.parametrize('left,op,right,expected', [
    ('0.10', '>', '0.6', True),       # string comparison would say False
    ('0.6.2', '>=', '0.6', True),
    ('0.6', '==', '0.6.0', True),
    ('0.6.2', '<', '0.6.10', True),
    ('0.5', '<', '0.6', True),
    ('0.7rc1', '<', '0.7', True),
    ('0.7-dev', '>', '0.7', True),           # subuser's development builds follow their release
    ('0.7-dev', '<', '0.7.1', True),
    ('1.0', '<=', '0.9.9', False),
    ('0.6.2-dev-abc123', '>=', '0.6.2', True),
    ('0.6.2-dev-abc123', '>', '0.6.2', True),
    ('0.4.1-dev-abc', '>', '0.4.1', True),     # the default repository's constraint
    ('0.4.1-dev-abc', '<=', '0.4.1', False),
    ('0.4.1-dev-abc', '<', '0.4.2', True),
    ('0.6.2-dev-abc123-dirty', '<', '0.6.3rc1', True),
    ('0.6.2-dev-abc123', '>', '0.6.1', True),
    ('0.6.2+local', '==', '0.6.2', True),     # not a pre-release suffix: ignored
    ('0.6.2.post1', '==', '0.6.2', True),
    ('1..2', '==', '1', True),                # subuser's grammar: anything after the numbers
    (' v0.6 ', '==', '0.6', True),
    ('0.7rc1', '<', '0.7rc2', True),          # pre-releases are ordered
    ('0.7-dev', '>', '0.7rc1', True),
    ('0.7.DEV1', '>', '0.7', True),
])
def test_compare_versions(left, op, right, expected):
    assert compare_versions(left, op, right) is expected


def test_loose_parts():
    version = Version.loose('0.6.2-dev-abc123')
    assert version.numbers == (0, 6, 2) and version.suffix == 'dev-abc123' and version.dev_build
    assert not version.is_prerelease
    assert not Version('0.6.2rc1').dev_build and Version.loose('0.6.2rc1').is_prerelease
    assert not Version.loose('0.6.2-devil').dev_build
    assert str(version) == '0.6.2-dev-abc123'
    assert Version.loose('0.6.2+local').suffix == ''
    assert Version.loose('0.6.2') == Version('0.6.2')
    assert Version.loose('0.6.2rc1') == Version('0.6.2rc1')


def test_loose_errors():
    with pytest.raises(VersionError, match=r"^version: 'latest' is not a version \(expected numbers separated by dots, "
                                           r"like 0.6.2\)$"):
        Version.loose('latest')
    with pytest.raises(VersionError, match=r'^x: version 6 is not a string$'):
        Version.loose(6, 'x')
    with pytest.raises(VersionError, match=r'^version: "~=" is not a valid operator \(valid: <, <=, ==, >=, >\)$'):
        compare_versions('1', '~=', '1')
    with pytest.raises(VersionError, match='not a version'):     # the versions are checked first, as before
        compare_versions('abc', '~=', '1', '.subuser.json')
    assert OPERATORS == ('<', '<=', '==', '>=', '>')
