# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils import _schema as s
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings

RECIPE = s.Record({
    'dependencies': s.ListOf(s.Str(empty=False)),
    'image_sources': s.Field(s.ListOf(s.Record({
        'name': s.Field(s.Str(pattern=r'[a-z0-9._/-]+', what='an image name'), required=True),
        'tags': s.ListOf(s.OneOf(s.Str(), s.Int())),
        'visibility': s.Str(choices=('public', 'private')),
        'template_files_parameters': s.MapOf(s.Anything()),
        'size': s.Int(minimum=0),
        'debug': s.Bool(),
    }, what='an image source'), min_items=1), required=True),
})


def error(schema, value):
    with pytest.raises(s.SchemaError) as info:
        s.check(schema, value, 'recipes/casa-dev/casa_distro_docker.yaml')
    return str(info.value)


def test_a_valid_document_gets_its_defaults():
    checked = s.check(RECIPE, {'image_sources': [{'name': 'casa-dev', 'tags': ['5.3', 7]}]}, 'f.yaml')
    assert checked == {'dependencies': None, 'image_sources': [{
        'name': 'casa-dev', 'tags': ['5.3', 7], 'visibility': None, 'template_files_parameters': None,
        'size': None, 'debug': None}]}


@pytest.mark.parametrize('value, message', [
    ([], 'expected a mapping, got a list []'),
    ({}, 'image_sources: required key is missing'),
    ({'image_sources': []}, 'image_sources: expected at least 1 item(s), got 0'),
    ({'image_sources': [{'name': 5}]}, 'image_sources[0].name: expected an image name, got an integer 5'),
    ({'image_sources': [{'name': 'Bad Name'}]}, "image_sources[0].name: expected an image name, got 'Bad Name'"),
    ({'image_sources': [{'name': 'a', 'tags': [1.5]}]}, 'image_sources[0].tags[0]: expected a string or an integer, got a number 1.5'),
    ({'image_sources': [{'name': 'a', 'visibility': 'secret'}]}, "image_sources[0].visibility: expected one of public, private, got 'secret'"),
    ({'image_sources': [{'name': 'a', 'size': True}]}, 'image_sources[0].size: expected an integer of at least 0, got a boolean True'),
    ({'image_sources': [{'name': 'a', 'size': -1}]}, 'image_sources[0].size: expected an integer of at least 0, got -1'),
    ({'image_sources': [{'name': 'a', 'debug': 'yes'}]}, "image_sources[0].debug: expected a boolean, got a string 'yes'"),
    ({'image_sources': [{'name': 'a'}], 'dependencies': [1]}, 'dependencies[0]: expected a non-empty string, got an integer 1'),
    ({'image_sources': [{'name': 'a'}], 'dependencies': ['']}, 'dependencies[0]: expected a non-empty string, got an empty string'),
    ({'image_sources': [{'name': 'a'}], 5: 'x'}, 'keys must be strings, got an integer 5'),
    ({'image_sources': [{'name': 'a'}], 'tag': 'x'}, 'tag: unknown key; valid keys: dependencies, image_sources'),
    ({'image_sources': [{'name': 'a', 'template_files_parameters': {True: 1}}]},
     'image_sources[0].template_files_parameters: keys must be strings, got a boolean True'),
])
def test_errors_name_the_file_the_key_path_and_what_is_valid(value, message):
    assert error(RECIPE, value) == 'recipes/casa-dev/casa_distro_docker.yaml: ' + message


def test_error_details_and_huge_values_are_shown_safely():
    with pytest.raises(s.SchemaError) as info:
        s.check(s.Record({'n': s.Str()}), {'n': 10 ** 5000}, 'x.yml')
    assert str(info.value) == 'x.yml: n: expected a string, got an integer an integer with more than 4300 digits'
    assert info.value.details == {'file': 'x.yml', 'key': 'n'}
    assert s.show('x' * 500) == "'" + 'x' * 27 + '...' + 'x' * 28 + "'"


def test_nesting_deeper_than_the_schema_is_rejected_without_recursion():
    value = []
    for dummy in range(100000):
        value = [value]
    assert error(s.ListOf(s.Str()), value) == 'recipes/casa-dev/casa_distro_docker.yaml: [0]: expected a string, got a list [[[[...]]]]'


def test_extra_keys_can_be_allowed_and_are_kept():
    schema = s.Record({'name': s.Str()}, extra='allow')
    assert s.check(schema, {'name': 'a', 'x-vendor': [1]}, 'f') == {'name': 'a', 'x-vendor': [1]}


def test_key_path_rendering():
    assert s.key_path(['a', 2, 'b', 0]) == 'a[2].b[0]' and s.key_path([]) == ''


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.one_of(st.text(max_size=12), st.integers(), st.booleans()), children, max_size=4),
    max_leaves=20)
NAMES = st.from_regex(r'[a-z0-9][a-z0-9._/-]{0,10}', fullmatch=True)
SHAPED = st.fixed_dictionaries({'image_sources': st.lists(st.fixed_dictionaries(
    {'name': NAMES | JSON_VALUES},
    optional={'tags': st.lists(st.text(max_size=5) | st.integers()) | JSON_VALUES,
              'size': st.integers() | JSON_VALUES, 'visibility': st.sampled_from(['public', 'private']) | JSON_VALUES}),
    min_size=1, max_size=3)}, optional={'dependencies': st.lists(st.text(min_size=1, max_size=5)) | JSON_VALUES})


@fuzz_settings
@given(st.one_of(JSON_VALUES, SHAPED))
def test_any_value_is_accepted_or_rejected_with_a_schema_error(value):
    check_parser('declared schema', lambda: s.check(RECIPE, value, 'f.yaml'), 'f.yaml')
