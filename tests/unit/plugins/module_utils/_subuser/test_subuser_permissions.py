# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._subuser import permissions as perms
from ansible_collections.casa.distro.plugins.module_utils._subuser.config import load_json
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


def test_empty_object_is_valid_and_conservative():
    report = perms.validate({})
    assert report.valid
    assert report.level == 'conservative'
    assert report.granted == {}
    assert report.warnings == []


def test_not_an_object_is_an_error():
    report = perms.validate(['x11'], 'p.json')
    assert not report.valid
    assert 'p.json' in report.errors[0] and 'an array' in report.errors[0]


@pytest.mark.parametrize('key,value', [
    ('x11', 1),                      # 1 is not a bool
    ('max-cpus', 2),                 # an int is not a float
    ('description', 3),
    ('memory-limit', 200),
    ('user-dirs', 'Downloads'),
    ('user-dirs', ['ok', 3]),
    ('inherit-envvars', {'A': 'b'}),
    ('system-dirs', {'/a': 1}),
    ('executable', 5),
    ('executable', ['/bin/a', 1]),
    ('entrypoints', {'a': 1}),
    ('gui', 'yes'),
    ('basic-common-permissions', 'yes'),
    ('privileged', None),
])
def test_exact_types(key, value):
    report = perms.validate({key: value}, 'p.json')
    assert not report.valid
    assert '"%s"' % key in report.errors[0]
    assert 'expected' in report.errors[0]


@pytest.mark.parametrize('data', [
    {'max-cpus': 2.0}, {'max-cpus': None}, {'memory-limit': '2g'},
    {'executable': None}, {'executable': '/usr/bin/vim'}, {'executable': ['/usr/bin/vim', '-u']},
    {'entrypoints': {'vim': '/usr/bin/vim', 'ex': ['/usr/bin/vim', '-e']}},
    {'system-dirs': {'/etc/x': '/etc/x'}}, {'gui': {'clipboard': True, 'border-color': None}},
    {'basic-common-permissions': {'stateful-home': True}},
])
def test_accepted_values(data):
    report = perms.validate(data)
    assert report.valid, report.errors


@pytest.mark.parametrize('sub,value', [
    ('gui', {'clipboard': 'yes'}), ('gui', {'border-color': 3}),
    ('basic-common-permissions', {'inherit-locale': 1}),
])
def test_subkey_types(sub, value):
    report = perms.validate({sub: value})
    assert not report.valid
    assert '%s.%s' % (sub, list(value)[0]) in report.errors[0]


def test_unknown_subkey_and_key_are_warnings():
    report = perms.validate({'gui': {'shiny': True}, 'teleport': True})
    assert report.valid
    assert any('gui.shiny' in w for w in report.warnings)
    assert any('"teleport"' in w for w in report.warnings)


def test_deprecated_top_level_keys_warned():
    report = perms.validate({'stateful-home': True, 'last-update-time': 'x'})
    assert report.valid
    assert any('stateful-home' in w and 'basic-common-permissions' in w for w in report.warnings)
    assert any('no longer supported' in w for w in report.warnings)


@pytest.mark.parametrize('entry,word', [
    ('../etc', '..'), ('a/../../b', '..'), ('./Downloads', './'), ('/etc', 'absolute'), ('', 'empty'),
])
def test_user_dirs_rules(entry, word):
    report = perms.validate({'user-dirs': ['Documents', entry]})
    assert not report.valid
    assert word in report.errors[0]


def test_user_dirs_plain_relative_ok():
    report = perms.validate({'user-dirs': ['Documents', 'work/casa']})
    assert report.valid
    assert report.level == 'moderate'


def test_x11_gui_conflict_only_when_both_truthy():
    assert not perms.validate({'x11': True, 'gui': True}).valid
    assert not perms.validate({'x11': True, 'gui': {'clipboard': False}}).valid
    assert perms.validate({'x11': True, 'gui': False}).valid
    assert perms.validate({'x11': True, 'gui': {}}).valid
    assert 'mutually exclusive' in perms.validate({'x11': True, 'gui': True}).errors[0]


@pytest.mark.parametrize('data,level', [
    ({'description': 'd', 'maintainer': 'm', 'executable': '/bin/x'}, 'conservative'),
    ({'basic-common-permissions': True, 'memory-limit': '1g'}, 'conservative'),
    ({'allow-network-access': True}, 'moderate'),
    ({'gui': {'clipboard': True}}, 'moderate'),
    ({'allow-network-access': True, 'x11': True}, 'liberal'),
    ({'system-dirs': {'/srv': '/srv'}}, 'liberal'),
    ({'sudo': True, 'privileged': True}, 'anarchistic'),
    ({'run-commands-on-host': True}, 'anarchistic'),
    ({'x11': False, 'privileged': False, 'user-dirs': []}, 'conservative'),
    ({'max-cpus': 0.0}, 'conservative'),
])
def test_levels(data, level):
    report = perms.validate(data)
    assert report.valid, report.errors
    assert report.level == level


def test_granted_lists_non_defaults_only():
    report = perms.validate({'x11': False, 'webcam': True, 'user-dirs': [], 'description': 'd'})
    assert report.granted == {'webcam': True}


def test_empty_executable_warned():
    report = perms.validate({'executable': ''})
    assert report.valid
    assert any('empty' in w for w in report.warnings)
    report = perms.validate({'executable': 'bin/x'})
    assert any('absolute' in w for w in report.warnings)


def test_as_dict():
    data = perms.validate({'webcam': True}).as_dict()
    assert data == {'valid': True, 'level': 'moderate', 'granted': {'webcam': True},
                    'errors': [], 'warnings': []}


# ---------------------------------------------------------------------------- property-based
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                         st.sampled_from(['..', './x', '/etc', 'Documents', '']))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=10)
KEYS = st.one_of(st.sampled_from(sorted(perms.SCHEMA) + list(perms.DEPRECATED_TOP_LEVEL) + list(perms.OBSOLETE)),
                 st.text(max_size=10))
SUBKEYS = st.sampled_from(sorted(perms.GUI_SUBKEYS) + sorted(perms.BASIC_COMMON_SUBKEYS) + ['other'])
VALUES = st.one_of(JSON_VALUES, st.dictionaries(SUBKEYS, JSON_SCALARS, max_size=3),
                   st.lists(st.sampled_from(['Documents', '../x', '/abs', './y', '']), max_size=3))
PERMISSIONS = st.dictionaries(KEYS, VALUES, max_size=6)
HOSTILE = st.one_of(
    st.binary(max_size=60),
    st.integers(1, 3000).map(lambda n: b'{"system-dirs": ' + b'{"a": ' * n + b'1' + b'}' * n + b'}'),
    st.integers(1, 6000).map(lambda n: b'{"max-cpus": 1' + b'0' * n + b'}'),
    st.sampled_from([b'{"max-cpus": NaN}', b'{"max-cpus": Infinity}', b'{"max-cpus": 1e999}', b'\xef\xbb\xbf{}']),
)


def _read_permissions(data, where):
    report = perms.validate(load_json(data, where), where)
    assert all(message.startswith(where) for message in report.errors + report.warnings)
    if report.errors:
        raise SubuserError('; '.join(report.errors))
    json.dumps(report.as_dict(), allow_nan=False)  # what the module returns is plain JSON
    return report


@fuzz_settings
@given(st.one_of(PERMISSIONS.map(lambda d: json.dumps(d).encode()), JSON_VALUES.map(lambda d: json.dumps(d).encode()),
                 HOSTILE))
def test_permissions_json_parses_or_names_the_file(data):
    where = 'repo/vim/permissions.json'
    check_parser('permissions.json', lambda: _read_permissions(data, where), where)
