# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE, ImageRecipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe_tree import load_recipe_tree, select_images


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    if mode is not None:
        os.chmod(path, mode)


def recipe(tmp_path, directory, yaml_text, dockerfile='FROM scratch\n', extra=None):
    base = tmp_path / directory
    write(str(base / RECIPE_FILE), yaml_text)
    write(str(base / 'Dockerfile'), dockerfile)
    for name, text in (extra or {}).items():
        write(str(base / name), text)
    return str(base)


def names(images):
    return [image.reference for image in images]


def test_load_tree_v2_layout(tmp_path):
    recipe(tmp_path, 'casa-run/ubuntu-22.04', """
image_sources:
  - name: casa-run
    tags: ['%(image_version)s', latest]
    template_files_parameters: {image_version: '5.3'}
""")
    recipe(tmp_path, 'casa-dev/ubuntu-22.04', """
dependencies: [../../casa-run/ubuntu-22.04]
image_sources:
  - name: casa-dev
    tags: ['%(image_version)s']
    template_files_parameters: {image_version: '5.3'}
""")
    images = load_recipe_tree(str(tmp_path), {'casa_version': '3.0'}, 'cati/')
    assert names(images) == ['cati/casa-dev:5.3', 'cati/casa-run:latest']
    assert images[1].references == ['cati/casa-run:5.3', 'cati/casa-run:latest']
    assert images[0].depends_on == [str(tmp_path / 'casa-run' / 'ubuntu-22.04')]
    assert images[0].template_parameters == {'casa_version': '3.0', 'image_version': '5.3'}


def test_load_tree_rejects_unknown_keys_and_bad_yaml(tmp_path):
    recipe(tmp_path, 'a', 'image_sources: [{name: a}]\nbogus: 1\n')
    with pytest.raises(RecipeError) as err:
        load_recipe_tree(str(tmp_path))
    assert 'bogus' in str(err.value) and RECIPE_FILE in str(err.value)
    write(str(tmp_path / 'a' / RECIPE_FILE), 'image_sources: [unclosed\n')
    with pytest.raises(RecipeError) as err:
        load_recipe_tree(str(tmp_path))
    assert 'invalid YAML' in str(err.value)


def test_load_tree_duplicate_image_is_an_error(tmp_path):
    recipe(tmp_path, 'a', 'image_sources: [{name: same, tags: [x]}]\n')
    recipe(tmp_path, 'b', 'image_sources: [{name: same, tags: [x]}]\n')
    with pytest.raises(RecipeError) as err:
        load_recipe_tree(str(tmp_path))
    assert 'same:x' in str(err.value)


def test_load_tree_empty_is_an_error(tmp_path):
    with pytest.raises(RecipeError) as err:
        load_recipe_tree(str(tmp_path))
    assert 'no casa_distro_docker.yaml' in str(err.value)


def test_select_images_fnmatch(tmp_path):
    images = [ImageRecipe('cati/casa-run', ['5.3'], '/r'),
              ImageRecipe('cati/casa-dev', ['5.3', 'latest'], '/d')]
    assert names(select_images(images, ['cati/casa-dev:*'])) == ['cati/casa-dev:latest']
    assert names(select_images(images, ['*run'])) == ['cati/casa-run:5.3']
    assert len(select_images(images, None)) == 2
    assert select_images(images, ['nothing*']) == []
