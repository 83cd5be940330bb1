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
