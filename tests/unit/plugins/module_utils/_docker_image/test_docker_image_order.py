# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.order import order_images
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import ImageRecipe


def names(images):
    return [image.reference for image in images]


def test_order_declared_dependencies_parents_first():
    run = ImageRecipe('run', ['1'], '/run')
    dev = ImageRecipe('dev', ['1'], '/dev', depends_on=['/run'])
    app = ImageRecipe('app', ['1'], '/app', depends_on=['/dev'])
    assert names(order_images([app, dev, run])) == ['run:1', 'dev:1', 'app:1']


def test_order_from_lines_add_implicit_dependencies():
    run = ImageRecipe('reg/run', ['1'], '/run')
    tool = ImageRecipe('reg/tool', ['1'], '/tool')
    ordered = order_images([tool, run], {'reg/tool:1': ['reg/run:1'], 'reg/run:1': ['debian:bookworm']})
    assert names(ordered) == ['reg/run:1', 'reg/tool:1']


def test_order_keeps_input_order_between_independent_images():
    images = [ImageRecipe(n, ['1'], '/' + n) for n in ('b', 'a', 'c')]
    assert names(order_images(images)) == ['b:1', 'a:1', 'c:1']


def test_order_cycle_names_the_images():
    one = ImageRecipe('one', ['1'], '/one', depends_on=['/two'])
    two = ImageRecipe('two', ['1'], '/two', depends_on=['/one'])
    with pytest.raises(RecipeError) as err:
        order_images([one, two])
    assert 'dependency cycle' in str(err.value)
    assert 'one:1 -> two:1 -> one:1' in str(err.value)


def test_order_missing_dependency_names_image_and_path():
    one = ImageRecipe('one', ['1'], '/one', depends_on=['/missing'], definition_file='/one/x.yaml')
    with pytest.raises(RecipeError) as err:
        order_images([one])
    assert '/missing' in str(err.value) and 'one:1' in str(err.value)


def test_order_dependency_outside_the_selection_adds_no_edge():
    dev = ImageRecipe('dev', ['1'], '/dev', depends_on=['/run'])
    assert names(order_images([dev], unselected_dirs={'/run'})) == ['dev:1']
    with pytest.raises(RecipeError):
        order_images([dev], unselected_dirs={'/elsewhere'})


def test_order_follows_casa_distro_v2_rule():
    """v2: a recipe file after every file it depends on (closed transitively), otherwise by file
    path; the images of one file in file order."""
    def image(name, tag, directory, depends_on=()):
        return ImageRecipe(name, [tag], '/r/' + directory, depends_on=['/r/' + d for d in depends_on],
                           definition_file='/r/%s/casa_distro_docker.yaml' % directory)
    systems = ['ubuntu-18.04', 'centos-7', 'ubuntu-12.04']
    tests = [image('casa-test', s, 'casa-test/' + s) for s in systems]
    devs = [image('casa-dev', s, 'casa-dev/' + s, ['casa-test/' + t for t in systems]) for s in systems]
    platform = image('cati_platform', 'ubuntu-16.04', 'cati_platform/ubuntu-16.04', ['casa-dev/' + s for s in systems])
    second = ImageRecipe('casa-dev-light', ['centos-7'], '/r/casa-dev/centos-7', definition_file='/r/casa-dev/centos-7/casa_distro_docker.yaml',
                         depends_on=['/r/casa-test/' + t for t in systems])
    ordered = order_images([platform] + devs + [second] + tests)
    assert names(ordered) == [
        'casa-test:centos-7', 'casa-test:ubuntu-12.04', 'casa-test:ubuntu-18.04',
        'casa-dev:centos-7', 'casa-dev-light:centos-7', 'casa-dev:ubuntu-12.04', 'casa-dev:ubuntu-18.04',
        'cati_platform:ubuntu-16.04']
    # Whatever the order the files were found in, the result is the same (the images of one file
    # keep their order in it).
    assert names(order_images(tests[::-1] + [platform] + devs[::-1] + [second])) == names(ordered)


def test_order_parent_first_even_when_its_path_sorts_after():
    child = ImageRecipe('a', ['1'], '/r/a', depends_on=['/r/z'], definition_file='/r/a/casa_distro_docker.yaml')
    other = ImageRecipe('m', ['1'], '/r/m', definition_file='/r/m/casa_distro_docker.yaml')
    parent = ImageRecipe('z', ['1'], '/r/z', definition_file='/r/z/casa_distro_docker.yaml')
    assert names(order_images([child, other, parent])) == ['m:1', 'z:1', 'a:1']
