# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._subuser.config import check_config, load_json
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import check_relative_path
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_local
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


def test_bad_json_position():
    with pytest.raises(SubuserError) as info:
        load_json(b'{\n  "a": 1,\n  "b": }\n', 'repo/.subuser.json')
    assert info.value.msg.startswith('repo/.subuser.json:3:')
    assert info.value.details['line'] == 3


def test_broken_subuser_json_fails_with_position(tmp_path, write):
    write(tmp_path, '.subuser.json', '{"image-sources-dir": "images",,}')
    with pytest.raises(SubuserError, match=r'\.subuser\.json:1:32: invalid JSON'):
        open_local(str(tmp_path))


@pytest.mark.parametrize('config,message', [
    ({'image-sources-dir': '../outside'}, 'leaves the repository'),
    ({'image-sources-dir': '/etc'}, 'absolute path'),
    ({'image-sources-dir': '.git'}, 'inside .git'),
    ({'image-sources-dir': 'a/../.GIT/hooks'}, 'inside .git'),
    ({'image-sources-dir': 3}, r'\.subuser\.json: image-sources-dir: expected a string \(a path relative to the repository root\), got an integer 3'),
    ({'explicit-image-sources': []}, r'\.subuser\.json: explicit-image-sources: expected a mapping, got a list \[\]'),
    ([], r'\.subuser\.json: expected a JSON object, got a list \[\]'),
    ({'subuser-version-constraints': [['>', '1']]}, 'constraints'),
    ({'subuser-version-constraints': [['>', 1, 'x']]}, r'subuser-version-constraints\[0\]\[1\]: expected a string, got an integer 1'),
    ({'subuser-version-constraints': 'x'}, r'subuser-version-constraints: expected a list of \[operator, version, ref\] lists'),
    ({'explicit-image-sources': {'': {}}}, r'explicit-image-sources\.: expected an image source name, got an empty string'),
])
def test_bad_subuser_json(tmp_path, config, message, write):
    write(tmp_path, '.subuser.json', config)
    with pytest.raises(SubuserError, match=message):
        open_local(str(tmp_path))


def test_null_keys_count_as_absent(tmp_path, write, source):
    write(tmp_path, '.subuser.json', {'image-sources-dir': None, 'explicit-image-sources': None})
    source(tmp_path, 'vim')
    assert sorted(open_local(str(tmp_path)).sources) == ['vim']


@pytest.mark.parametrize('data, message', [
    (b'{"image-sources-dir": "\xff"}', r'\.subuser\.json: not UTF-8 text \(byte 0xff at offset 23\)'),
    (b'[' * 100000, r'\.subuser\.json: JSON nested too deeply'),
    (b'{"x": 1' + b'0' * 5000 + b'}', r'\.subuser\.json.*invalid JSON'),
    (b'{"image-sources-dir": [[[[[[[[[[[[1]]]]]]]]]]]]}', r'image-sources-dir: expected a string .*, got a list'),
])
def test_hostile_subuser_json_names_the_file(tmp_path, write, data, message):
    (tmp_path / '.subuser.json').write_bytes(data)
    with pytest.raises(SubuserError, match=message):
        open_local(str(tmp_path))


# ---------------------------------------------------------------------------- property-based
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=20), st.sampled_from(['.', '..', '.git', '/etc', 'images', '../x', '']))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
PATHS = st.one_of(st.sampled_from(['images', '.', '', 'a/../b', '../out', '/abs', '.git', 'x/.GIT/y']), JSON_VALUES)
EXPLICIT = st.dictionaries(st.sampled_from(['image-file', 'build-context', 'permissions-file', 'other']), PATHS, max_size=4)
CONSTRAINT = st.lists(st.one_of(st.sampled_from(['<', '<=', '==', '>=', '>', '~=', '0.6', '0.6.2-dev-x', 'master', '']),
                                JSON_SCALARS), max_size=4)
SUBUSER_JSON = st.fixed_dictionaries({}, optional={
    'image-sources-dir': PATHS,
    'explicit-image-sources': st.one_of(st.dictionaries(st.text(max_size=8), st.one_of(EXPLICIT, JSON_VALUES), max_size=3),
                                        JSON_VALUES),
    'subuser-version-constraints': st.one_of(st.lists(st.one_of(CONSTRAINT, JSON_VALUES), max_size=3), JSON_VALUES),
    'subuser-repository-root': JSON_VALUES,
})
HOSTILE = st.one_of(
    st.binary(max_size=60),
    st.integers(1, 3000).map(lambda n: b'{"image-sources-dir": ' + b'[' * n + b']' * n + b'}'),
    st.integers(1, 6000).map(lambda n: b'{"x": 1' + b'9' * n + b'}'),
    st.binary(min_size=1, max_size=8).map(lambda b: b'{"image-sources-dir": "' + b + b'"}'),
)


def _subuser_json_document():
    return st.one_of(SUBUSER_JSON.map(lambda d: json.dumps(d).encode()), JSON_VALUES.map(lambda d: json.dumps(d).encode()),
                     HOSTILE)


def _read_subuser_json(data, where):
    config = load_json(data, where)
    check_config(config, where)
    if config.get('image-sources-dir'):
        check_relative_path(config['image-sources-dir'], '%s: image-sources-dir' % where)
    return config


@fuzz_settings
@given(_subuser_json_document())
def test_subuser_json_parses_or_names_the_file(data):
    where = 'repo@0123456789ab:.subuser.json'
    check_parser('.subuser.json', lambda: _read_subuser_json(data, where), where)
