# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order an image family is handled in: parents first."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._docker_image.dockerfile import normalize_base
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE


def _parents(images, bases, unselected_dirs):
    """{id(image): [parent images]} from declared dependencies and FROM lines."""
    by_dir = {}
    by_reference = {}
    for image in images:
        by_dir.setdefault(image.recipe_dir, []).append(image)
        for reference in image.references:
            by_reference[reference] = image
    parents = {}
    for image in images:
        edges = []
        for directory in image.depends_on:
            if directory not in by_dir and directory in unselected_dirs:
                continue
            if directory not in by_dir:
                raise RecipeError(
                    '%s: dependency %s is not a recipe directory (no %s there); image %s '
                    'cannot be ordered' % (image.definition_file or image.recipe_dir,
                                           directory, RECIPE_FILE, image.reference))
            edges.extend(by_dir[directory])
        for base in bases.get(image.reference, ()):
            parent = by_reference.get(normalize_base(base))
            if parent is not None and parent is not image:
                edges.append(parent)
        parents[id(image)] = [p for p in edges if p is not image]
    return parents


def order_images(images, bases=None, unselected_dirs=()):
    """Parents first. Edges come from declared dependencies and from FROM lines (``bases`` maps
    an image's reference to the base images its Dockerfile names) that name an image of the
    same family. A dependency on a recipe left out by the selection (``unselected_dirs``) adds
    no edge: its image must already exist. A cycle or a dependency that is no recipe directory
    is a RecipeError naming the images.
    """
    parents = _parents(images, bases or {}, unselected_dirs)
    ordered = []
    state = {}
    position = {id(image): index for index, image in enumerate(images)}

    def visit(image, path):
        key = id(image)
        if state.get(key) == 'done':
            return
        if state.get(key) == 'visiting':
            cycle = path[path.index(image):] + [image]
            raise RecipeError('dependency cycle between images: %s'
                              % ' -> '.join(i.reference for i in cycle))
        state[key] = 'visiting'
        for parent in sorted(parents[key], key=lambda p: position[id(p)]):
            visit(parent, path + [image])
        state[key] = 'done'
        ordered.append(image)

    for image in images:
        visit(image, [])
    return ordered
