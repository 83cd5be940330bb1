# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order an image family is handled in: casa-distro v2's rule.

v2 closed the dependencies of every recipe file transitively and sorted the files so that a
file comes after every file it depends on, and otherwise by file path; the images of one file
keep their order in it. Its comparison sort could break that promise (v2 issue #4); here the
same rule is a topological sort that always takes, among the images whose parents are done, the
one of the smallest recipe file path, then the earliest in its file: the smallest order by path
that puts every parent first.
"""

from __future__ import annotations

import heapq

from ansible_collections.casa.distro.plugins.module_utils._docker_image.dockerfile import normalize_base
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE


def _dependency_edges(image, by_dir, unselected_dirs):
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
    return edges


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
        edges = _dependency_edges(image, by_dir, unselected_dirs)
        for base in bases.get(image.reference, ()):
            parent = by_reference.get(normalize_base(base))
            if parent is not None:
                edges.append(parent)
        unique = []
        for parent in edges:
            if parent is not image and parent not in unique:
                unique.append(parent)
        parents[id(image)] = unique
    return parents


def _cycle(images, parents):
    """One dependency cycle among ``images`` (each has a parent among them), as a list."""
    path = [images[0]]
    while True:
        parent = next(p for p in parents[id(path[-1])] if p in images)
        if parent in path:
            return path[path.index(parent):] + [parent]
        path.append(parent)


def order_images(images, bases=None, unselected_dirs=()):
    """Parents first, else by recipe file path, then by place in the file (see the module's
    docstring). Edges come from declared dependencies and from FROM lines (``bases`` maps an
    image's reference to the base images its Dockerfile names) that name an image of the same
    family. A dependency on a recipe left out by the selection (``unselected_dirs``) adds no
    edge: its image must already exist. A cycle or a dependency that is no recipe directory is
    a RecipeError naming the images.
    """
    parents = _parents(images, bases or {}, unselected_dirs)
    ordered = _topological(images, parents)
    if len(ordered) < len(images):
        left = [image for image in images if image not in ordered]
        raise RecipeError('dependency cycle between images: %s'
                          % ' -> '.join(i.reference for i in _cycle(left, parents)))
    return ordered


def _topological(images, parents):
    """Kahn's sort taking the smallest (recipe file path, position) among the ready images;
    the images on a cycle are left out."""
    position = {id(image): index for index, image in enumerate(images)}
    waiting = {id(image): len(parents[id(image)]) for image in images}
    children = {id(image): [] for image in images}
    for image in images:
        for parent in parents[id(image)]:
            children[id(parent)].append(image)

    def entry(image):
        # Images without a recipe file (a single path) keep the order they were given in.
        return (image.definition_file or '', position[id(image)]), position[id(image)], image

    ready = [entry(image) for image in images if not waiting[id(image)]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        image = heapq.heappop(ready)[2]
        ordered.append(image)
        for child in children[id(image)]:
            waiting[id(child)] -= 1
            if not waiting[id(child)]:
                heapq.heappush(ready, entry(child))
    return ordered
