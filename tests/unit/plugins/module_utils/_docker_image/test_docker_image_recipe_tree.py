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
from ansible_collections.casa.distro.tests.unit.utils.files import write


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


# ------------------------------------------------------------------ casa-distro v2 trees (issue 10)

SYSTEMS = ('centos-7', 'ubuntu-12.04', 'ubuntu-14.04', 'ubuntu-16.04', 'ubuntu-18.04', 'windows-7-32', 'windows-7-64')


def v2_tree(root):
    """The canonical v2 shape: casa-test/<system>, casa-dev/<system> depending on ../../casa-test,
    cati_platform depending on ../casa-dev."""
    for system in SYSTEMS:
        recipe(root, 'casa-test/' + system, 'image_sources: [{name: casa-test, tags: [%s]}]\n' % system)
        recipe(root, 'casa-dev/' + system, "dependencies: ['../../casa-test']\nimage_sources: [{name: casa-dev, tags: [%s]}]\n" % system)
    recipe(root, 'cati_platform/ubuntu-16.04', "dependencies: ['../../casa-dev']\nimage_sources: [{name: cati_platform, tags: [ubuntu-16.04]}]\n")


def test_a_dependency_directory_is_searched_recursively(tmp_path):
    v2_tree(tmp_path)
    images = {image.reference: image for image in load_recipe_tree(str(tmp_path), {}, 'cati/')}
    dev = images['cati/casa-dev:ubuntu-18.04']
    assert dev.depends_on == sorted(str(tmp_path / 'casa-test' / system) for system in SYSTEMS)
    platform = images['cati/cati_platform:ubuntu-16.04']
    assert len(platform.depends_on) == 7 and all('/casa-dev/' in d for d in platform.depends_on)


def test_a_dependency_found_nowhere_is_a_warning(tmp_path):
    recipe(tmp_path, 'a', "dependencies: ['../nowhere', '../empty']\nimage_sources: [{name: a, tags: ['1']}]\n")
    os.makedirs(str(tmp_path / 'empty'))
    warnings = []
    images = load_recipe_tree(str(tmp_path), {}, '', warnings)
    assert images[0].depends_on == []
    assert len(warnings) == 2
    assert 'dependency ../nowhere does not exist' in warnings[0] and 'a:1' in warnings[0] and RECIPE_FILE in warnings[0]
    assert 'dependency ../empty holds no %s' % RECIPE_FILE in warnings[1]


def test_several_roots_with_dependencies_across_them(tmp_path):
    share = tmp_path / 'share' / 'docker'
    user = tmp_path / 'config' / 'docker'
    recipe(share, 'casa-test/ubuntu-22.04', 'image_sources: [{name: casa-test, tags: [ubuntu-22.04]}]\n')
    # In the user's root, ../../casa-test names no directory there: it is looked up in the other root.
    recipe(user, 'casa-dev/ubuntu-22.04', "dependencies: ['../../casa-test']\nimage_sources: [{name: casa-dev, tags: [ubuntu-22.04]}]\n")
    warnings = []
    images = load_recipe_tree([str(share), str(user)], {}, '', warnings)
    assert names(images) == ['casa-test:ubuntu-22.04', 'casa-dev:ubuntu-22.04']
    assert images[1].depends_on == [str(share / 'casa-test' / 'ubuntu-22.04')]
    assert warnings == []
    # One root still works as before, and the same root twice counts once.
    assert names(load_recipe_tree([str(share), str(share)])) == ['casa-test:ubuntu-22.04']


@pytest.mark.parametrize('roots, message', [
    ([], 'no recipe root given'),
    (['/nonexistent/recipes'], 'is not a directory (it does not exist)'),
    ([5], 'expected directory paths, got 5'),
])
def test_bad_roots_are_named(roots, message):
    with pytest.raises(RecipeError) as err:
        load_recipe_tree(roots)
    assert message in str(err.value)


def test_a_root_that_is_a_file_is_named(tmp_path):
    write(str(tmp_path / 'file'), 'x')
    with pytest.raises(RecipeError, match='is not a directory .it is a file.'):
        load_recipe_tree(str(tmp_path / 'file'))


def test_names_and_tags_render_with_their_place_named(tmp_path):
    recipe(tmp_path, 'a', "image_sources: [{name: 'a', tags: ['%(nope)s']}]\n")
    with pytest.raises(RecipeError) as err:
        load_recipe_tree(str(tmp_path))
    assert 'image_sources[0].tags[0]' in str(err.value) and "'nope'" in str(err.value)
