# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._image_reference import has_tag, normalize_reference, split_reference, validate_reference


@pytest.mark.parametrize('name', ['casa-run', 'cati/casa-dev', '127.0.0.1:5000/casa/run', 'reg.example.org/a/b_c.d'])
def test_valid_references(name):
    validate_reference(name, ['5.3', 'latest', 'ubuntu-22.04'], 'test')


@pytest.mark.parametrize('name,tags,fragment', [
    ('Casa/Run', ['x'], "invalid image name 'Casa/Run'"),
    ('casa run', ['x'], "invalid image name 'casa run'"),
    ('casa/run', ['-bad'], "invalid tag '-bad'"),
    ('casa/run', ['a' * 129], 'invalid tag'),
    ('casa/run', [], 'has no tags'),
])
def test_invalid_references_name_the_value(name, tags, fragment):
    with pytest.raises(RecipeError) as err:
        validate_reference(name, tags, 'where.yaml')
    assert fragment in str(err.value)
    assert 'where.yaml' in str(err.value)


@pytest.mark.parametrize('reference,expected', [
    ('debian', ('debian', 'latest')),
    ('debian:12', ('debian', '12')),
    ('127.0.0.1:5000/casa/run', ('127.0.0.1:5000/casa/run', 'latest')),
    ('127.0.0.1:5000/casa/run:5.3', ('127.0.0.1:5000/casa/run', '5.3')),
    ('x@sha256:abc', ('x', 'sha256:abc')),
])
def test_split_reference(reference, expected):
    assert split_reference(reference) == expected


@pytest.mark.parametrize('reference,expected', [
    ('debian', 'debian:latest'), ('debian:12', 'debian:12'),
    ('127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'), ('x@sha256:ab', 'x@sha256:ab'),
])
def test_normalize_reference(reference, expected):
    assert normalize_reference(reference) == expected
    assert has_tag(expected) or '@' in expected


def test_a_registry_port_is_no_tag():
    assert not has_tag('127.0.0.1:5000/casa/run') and has_tag('127.0.0.1:5000/casa/run:1')


@pytest.mark.parametrize('name', ['Registry.Example.com/casa/run', 'Localhost:5000/x', 'localhost/x', 'a_b/foo', 'reg:5000/a/b/c'])
def test_names_docker_accepts(name):
    validate_reference(name, ['Tag_1'], 'test')


@pytest.mark.parametrize('name,tags,fragment', [
    # The first component is a host only with a dot, a port or as localhost: otherwise it must be lowercase.
    ('FOO/bar', ['x'], "invalid image name 'FOO/bar'"),
    ('Localhost/foo', ['x'], "invalid image name 'Localhost/foo'"),
    ('reg.example.com/Foo', ['x'], "invalid image name 'reg.example.com/Foo'"),
    ('casa/run\n', ['x'], 'invalid image name'),
    ('caf\u00e9/run', ['x'], 'invalid image name'),
    ('casa/run', ['tag\u00e9'], "invalid tag 'tag\u00e9'"),
    ('casa/run', ['\u0661'], 'invalid tag'),  # an Arabic-Indic digit is a \\w digit, not Docker's
    ('casa/run', ['x\n'], 'invalid tag'),
    ('casa/run', ['.x'], 'invalid tag'),
    ('casa/run', [5], 'invalid tag 5'),
    (5, ['x'], 'invalid image name 5'),
])
def test_references_docker_refuses(name, tags, fragment):
    with pytest.raises(RecipeError) as err:
        validate_reference(name, tags, 'where.yaml')
    assert fragment in str(err.value) and 'where.yaml' in str(err.value)


# ------------------------------------------------------------------ generated references

from hypothesis import given, strategies as st  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings  # noqa: E402

PARTS = st.one_of(st.sampled_from(['reg.example.org', 'localhost', 'Localhost', '127.0.0.1:5000', 'casa', 'casa-run', 'a__b',
                                   'UPPER', '/', ':', '@', 'sha256:' + 'a' * 64, '.', '-', '[::1]', '\u00e9']), st.text(max_size=4))
REFERENCES = st.lists(PARTS, max_size=6).map(''.join)


@fuzz_settings
@given(REFERENCES, st.lists(st.one_of(REFERENCES, st.integers(), st.none()), max_size=3))
def test_any_reference_is_split_and_accepted_or_refused_with_its_place(reference, tags):
    def parse():
        repository, tag = split_reference(reference)
        normalize_reference(reference)
        has_tag(reference)
        validate_reference(repository, tags or [tag], 'image_sources[0]')
        return repository
    if check_parser('image references', parse, 'image_sources[0]') is not None:
        assert reference.isascii() or '@' in reference or not has_tag(reference)
