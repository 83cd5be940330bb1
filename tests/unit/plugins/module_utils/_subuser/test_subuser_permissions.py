# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser import permissions as perms


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
