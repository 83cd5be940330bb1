# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""casa_distro_docker.yaml: the declared schema, and generated files (hypothesis)."""

from __future__ import annotations

import os

import pytest
import yaml
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe_file import parse_recipe, read_recipe
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings

WHERE = 'recipes/casa-dev/ubuntu-22.04/casa_distro_docker.yaml'


def error(text):
    with pytest.raises(RecipeError) as info:
        parse_recipe(text, WHERE)
    return str(info.value)


def test_a_v2_recipe_is_read_with_its_defaults():
    checked = parse_recipe("""
dependencies: ['../../casa-test']
image_sources:
  - name: casa-dev
    tags: ['%(casa_version)s', 5]
    visibility: public
    template_files_parameters: {system: ubuntu-22.04, jobs: 4, debug: false, ratio: 1.5}
  - name: casa-dev-light
""", WHERE)
    assert checked['dependencies'] == ['../../casa-test']
    assert checked['image_sources'][0]['tags'] == ['%(casa_version)s', '5']
    assert checked['image_sources'][0]['template_files_parameters']['jobs'] == 4
    assert checked['image_sources'][1]['tags'] == ['latest']
    assert checked['image_sources'][1]['template_files_parameters'] == {}


@pytest.mark.parametrize('text, message', [
    ('[]', 'expected a mapping with image_sources (and optionally dependencies), got a list []'),
    ('{}', 'image_sources: required key is missing'),
    ('image_sources: []', 'image_sources: expected at least 1 item(s), got 0'),
    ('image_sources: [{name: 5}]', 'image_sources[0].name: expected an image name (a string), got an integer 5'),
    ('image_sources: [{tags: [a]}]', 'image_sources[0].name: required key is missing'),
    ('image_sources: [{name: a, tags: [5.10]}]', 'image_sources[0].tags[0]: expected a string or integer tag, got a number 5.1'),
    ('image_sources: [{name: a, tags: x}]', "image_sources[0].tags: expected a list of string or integer tags, got a string 'x'"),
    ('image_sources: [{name: a, visibility: secret}]', "image_sources[0].visibility: expected one of public, private, got 'secret'"),
    ('image_sources: [{name: a, template_files_parameters: [1]}]',
     'image_sources[0].template_files_parameters: expected a mapping, got a list [1]'),
    ('image_sources: [{name: a, template_files_parameters: {x: [1]}}]',
     'image_sources[0].template_files_parameters.x: expected a string or an integer or a number or a boolean, got a list [1]'),
    ('image_sources: [{name: a, tag: x}]', 'image_sources[0].tag: unknown key; valid keys: name, tags, template_files_parameters, visibility'),
    ('image_sources: [a]', "image_sources[0]: expected an image source (a mapping with name, tags, visibility, template_files_parameters), got a string 'a'"),
    ('dependencies: ../run\nimage_sources: [{name: a}]', "dependencies: expected a list of relative directory paths, got a string '../run'"),
    ('dependencies: [1]\nimage_sources: [{name: a}]', 'dependencies[0]: expected a relative directory path, got an integer 1'),
    ('1: x\nimage_sources: [{name: a}]', 'keys must be strings, got an integer 1'),
    ('image_sources: [{name: a}]\nbogus: 1', 'bogus: unknown key; valid keys: dependencies, image_sources'),
    (b'image_sources: [{name: \xff}]', 'not UTF-8 text (byte 0xff at offset 23)'),
    ('image_sources: [unclosed', 'invalid YAML'),
])
def test_errors_name_the_file_the_key_and_what_is_valid(text, message):
    assert message in error(text)
    assert error(text).startswith(WHERE)


def test_unreadable_directory_and_dangling_files_are_named(tmp_path):
    (tmp_path / 'dir').mkdir()
    with pytest.raises(RecipeError, match='is a directory, expected a file'):
        read_recipe(str(tmp_path / 'dir'))
    (tmp_path / 'link').symlink_to(tmp_path / 'nowhere')
    with pytest.raises(RecipeError, match='dangling symlink'):
        read_recipe(str(tmp_path / 'link'))
    os.mkfifo(str(tmp_path / 'fifo'))  # reading it would block forever
    with pytest.raises(RecipeError, match='fifo: the recipe file is not a regular file'):
        read_recipe(str(tmp_path / 'fifo'))


# ------------------------------------------------------------------ generated files

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 30), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(['%(casa_version)s', '../../casa-test', 'casa-dev', '5.3']))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=3)),
                      max_leaves=12)
SOURCE = st.fixed_dictionaries({'name': st.one_of(st.sampled_from(['casa-run', 'casa-dev', '%(x)s']), VALUES)}, optional={
    'tags': st.one_of(st.lists(st.one_of(st.text(max_size=6), st.integers(), st.floats(allow_nan=False)), max_size=3), VALUES),
    'visibility': st.one_of(st.sampled_from(['public', 'private']), VALUES),
    'template_files_parameters': st.one_of(st.dictionaries(st.text(max_size=6), SCALARS, max_size=3), VALUES),
    'extra': VALUES,
})
SHAPED = st.fixed_dictionaries({}, optional={
    'image_sources': st.one_of(st.lists(SOURCE, max_size=3), VALUES),
    'dependencies': st.one_of(st.lists(st.text(max_size=10), max_size=3), VALUES),
    'other': VALUES,
}).map(lambda value: yaml.safe_dump(value).encode())
DEEP = st.sampled_from([3, 40, 400, 1200]).map(lambda depth: ('image_sources: ' + '[' * depth + ']' * depth).encode())
TEXTS = st.one_of(SHAPED, DEEP, st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode('utf-8', 'surrogatepass')),
                  st.sampled_from([b'image_sources: [{name: a}]\nn: 1' + b'0' * 5000, b'd: 2001-02-30', b'\xef\xbb\xbf{}',
                                   b'&a [*a]', b'!!python/object:os.system x']))


@fuzz_settings
@given(TEXTS)
def test_any_recipe_file_is_read_or_rejected_with_its_name(data):
    check_parser('casa_distro_docker.yaml', lambda: parse_recipe(data, WHERE), WHERE)
