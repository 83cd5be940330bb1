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
