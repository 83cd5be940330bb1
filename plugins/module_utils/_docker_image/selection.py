# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which images a task is about: the selected images of a recipe tree, or the single image
named by the module options."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import ImageRecipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe_tree import load_recipe_tree, select_images
from ansible_collections.casa.distro.plugins.module_utils._docker_image.version import COLLECTION_VERSION
from ansible_collections.casa.distro.plugins.module_utils._image_reference import has_tag, split_reference, validate_reference


def template_parameters(params):
    """Built-in parameters, as casa-distro provided casa_version; the user's override them."""
    parameters = {'casa_version': COLLECTION_VERSION, 'name_prefix': params.get('name_prefix') or ''}
    parameters.update(params.get('template_parameters') or {})
    return parameters


def selected_images(params):
    """(images, unselected_dirs): the ImageRecipes the task handles, and the recipe directories
    of the tree that the selection left out (their images must already exist)."""
    parameters = template_parameters(params)
    if params.get('recipes'):
        found = load_recipe_tree(params['recipes'], parameters, params.get('name_prefix') or '')
        selected = select_images(found, params.get('image_names'))
        if not selected:
            raise RecipeError(
                'No image under %s matches image_names %s; images there: %s'
                % (params['recipes'], params.get('image_names'), ', '.join(i.reference for i in found)))
        unselected_dirs = {image.recipe_dir for image in found} - {image.recipe_dir for image in selected}
        return selected, unselected_dirs
    name = params['name']
    tags = list(params.get('tags') or [])
    if has_tag(name):
        # name:tag is accepted like docker does; the tag joins the tags list.
        name, tag = split_reference(name)
        tags = [tag] + [t for t in tags if t != tag]
    tags = tags or ['latest']
    validate_reference(name, tags, 'name')
    recipe_dir = os.path.abspath(params['path']) if params.get('path') else None
    return [ImageRecipe(name, tags, recipe_dir, dockerfile=params.get('dockerfile') or 'Dockerfile',
                        template_parameters=parameters)], set()
