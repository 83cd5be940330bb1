# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which images a task is about: the selected images of one or several recipe trees, or the
single image named by the module options; and the options that shape them (built-in template
parameters, the pull policy of base images)."""

from __future__ import annotations

import os
import re

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import ImageRecipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe_tree import load_recipe_tree, select_images
from ansible_collections.casa.distro.plugins.module_utils._docker_image.version import COLLECTION_VERSION
from ansible_collections.casa.distro.plugins.module_utils._image_reference import has_tag, split_reference, validate_reference

PULL_POLICIES = ('missing', 'always', 'never')
# pull used to be a boolean: true pulled every base before building, false never pulled.
_PULL_BOOLEANS = {True: 'always', False: 'never', 'true': 'always', 'false': 'never', 'yes': 'always',
                  'no': 'never', 'on': 'always', 'off': 'never', '1': 'always', '0': 'never'}
_ARG_NAME_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')
_LABEL_KEY_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._/-]*\Z')
_DOCKERFILE_RE = re.compile(r'[A-Za-z0-9_.+@=,-]+(?:/[A-Za-z0-9_.+@=,-]+)*\Z')


class Selection:
    """The images of a task, the recipe directories of the trees left out by the selection
    (their images must exist already), every reference the trees define (never pulled) and
    warnings for the user."""

    def __init__(self, images, unselected_dirs=(), tree_references=(), warnings=()):
        self.images = images
        self.unselected_dirs = set(unselected_dirs)
        self.tree_references = set(tree_references)
        self.warnings = list(warnings)


def builtin_parameters(params):
    """The template parameters every recipe gets: ``casa_version`` (as casa-distro provided it,
    the collection's version) and ``name_prefix``."""
    return {'casa_version': COLLECTION_VERSION, 'name_prefix': params.get('name_prefix') or ''}


def template_parameters(params):
    """Built-in parameters, as casa-distro provided casa_version; the user's override them."""
    parameters = builtin_parameters(params)
    parameters.update(params.get('template_parameters') or {})
    return parameters


def pull_policy(value):
    """``missing``, ``always`` or ``never`` from the ``pull`` option (old booleans accepted)."""
    if value is None:
        return 'never'
    if isinstance(value, str) and value.strip().lower() in PULL_POLICIES:
        return value.strip().lower()
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, (bool, str)) and key in _PULL_BOOLEANS:
        return _PULL_BOOLEANS[key]
    raise RecipeError('pull: expected one of %s (or a boolean: true means always, false never), got %r'
                      % (', '.join(PULL_POLICIES), value))


def check_dockerfile_option(dockerfile):
    """The ``dockerfile`` option: a plain relative path inside the recipe directory."""
    if not isinstance(dockerfile, str) or not _DOCKERFILE_RE.match(dockerfile) or '..' in dockerfile.split('/'):
        raise RecipeError('dockerfile: expected a relative path inside the recipe directory (letters, digits, '
                          '_ . + @ = , - and /, no ..), got %r' % (dockerfile,))
    return dockerfile


def check_string_map(option, values, key_re, key_what):
    """``build_args`` and ``labels``: names Docker accepts, scalar values (sent as strings)."""
    for key, value in (values or {}).items():
        if not isinstance(key, str) or not key_re.match(key):
            raise RecipeError('%s: invalid %s %r (%s)' % (option, 'name' if option == 'build_args' else 'key', key, key_what))
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise RecipeError('%s: %s: expected a string, number or boolean, got %s' % (option, key, type(value).__name__))


def select(params):
    """The Selection of a task's parameters."""
    check_dockerfile_option(params.get('dockerfile') or 'Dockerfile')
    check_string_map('build_args', params.get('build_args'), _ARG_NAME_RE, 'letters, digits and _, not starting with a digit')
    check_string_map('labels', params.get('labels'), _LABEL_KEY_RE, 'letters, digits, . _ / -, starting with a letter or digit')
    parameters = template_parameters(params)
    if params.get('recipes'):
        warnings = []
        found = load_recipe_tree(params['recipes'], parameters, params.get('name_prefix') or '', warnings)
        selected = select_images(found, params.get('image_names'))
        if not selected:
            raise RecipeError(
                'No image under %s matches image_names %s; images there: %s'
                % (', '.join(params['recipes']) if isinstance(params['recipes'], list) else params['recipes'],
                   params.get('image_names'), ', '.join(i.reference for i in found)))
        unselected_dirs = {image.recipe_dir for image in found} - {image.recipe_dir for image in selected}
        references = {reference for image in found for reference in image.references}
        return Selection(selected, unselected_dirs, references, warnings)
    return Selection([_single_image(params, parameters)])


def _single_image(params, parameters):
    name = params['name']
    tags = list(params.get('tags') or [])
    if has_tag(name):
        # name:tag is accepted like docker does; the tag joins the tags list.
        name, tag = split_reference(name)
        tags = [tag] + [t for t in tags if t != tag]
    tags = tags or ['latest']
    validate_reference(name, tags, 'name')
    recipe_dir = os.path.abspath(params['path']) if params.get('path') else None
    if recipe_dir and not os.path.isdir(recipe_dir):
        raise RecipeError('path: %s is not a directory (it %s)'
                          % (recipe_dir, 'is a file' if os.path.lexists(recipe_dir) else 'does not exist'))
    return ImageRecipe(name, tags, recipe_dir, dockerfile=params.get('dockerfile') or 'Dockerfile',
                       template_parameters=parameters)


def selected_images(params):
    """(images, unselected_dirs): the ImageRecipes the task handles, and the recipe directories
    of the tree that the selection left out (their images must already exist)."""
    selection = select(params)
    return selection.images, selection.unselected_dirs
