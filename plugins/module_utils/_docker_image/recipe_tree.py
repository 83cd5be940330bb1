# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""casa-distro v2 recipe trees, read as they are.

Every directory holding ``casa_distro_docker.yaml`` under one of the roots is a recipe; its
``image_sources`` give the images built from it. Each of its ``dependencies`` is a path relative
to the recipe directory naming a directory searched recursively: every recipe found below it is
a dependency (``casa-dev/<system>`` with ``../../casa-test`` depends on every casa-test image).
As casa-distro 2.0 did, the path is also looked up at the same place in the other roots, so
dependencies cross roots. A path that exists nowhere is a warning, as v2 ignored it. Pure
logic, no Docker: importable and tested without a daemon.
"""

from __future__ import annotations

import fnmatch
import os

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE, ImageRecipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe_file import read_recipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.templates import render_string
from ansible_collections.casa.distro.plugins.module_utils._image_reference import validate_reference


def recipe_roots(roots):
    """The absolute, distinct roots of ``roots`` (a path or a list of paths), each a directory."""
    if isinstance(roots, str):
        roots = [roots]
    result = []
    for root in roots or []:
        if not isinstance(root, str) or not root:
            raise RecipeError('recipes: expected directory paths, got %r' % (root,))
        path = os.path.abspath(os.path.expanduser(root))
        if not os.path.isdir(path):
            what = 'is a file' if os.path.exists(path) else 'does not exist'
            raise RecipeError('recipes: %s is not a directory (it %s)' % (path, what))
        if path not in result:
            result.append(path)
    if not result:
        raise RecipeError('recipes: no recipe root given')
    return result


def find_recipe_files(root):
    """Every casa_distro_docker.yaml under ``root``, in walk order (sorted directories)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if RECIPE_FILE in filenames:
            found.append(os.path.join(dirpath, RECIPE_FILE))
    return found


def load_recipe_tree(root, template_parameters=None, name_prefix='', warnings=None):
    """Read every casa_distro_docker.yaml under ``root`` (a path or a list of roots). Returns a
    list of ImageRecipe whose ``depends_on`` lists the recipe directories they depend on;
    dependency paths found nowhere are appended to ``warnings`` (a list) when given."""
    roots = recipe_roots(root)
    images = []
    definitions = []  # (root, recipe file, dependencies)
    for base in roots:
        for path in find_recipe_files(base):
            definition = read_recipe(path)
            own = _images_of(path, definition, template_parameters or {}, name_prefix)
            definitions.append((base, path, definition['dependencies'], [image.reference for image in own]))
            images.extend(own)
    if not images:
        raise RecipeError('recipes: no %s found under %s' % (RECIPE_FILE, ', '.join(roots)))
    _check_unique(images)
    recipe_dirs = sorted({image.recipe_dir for image in images})
    depends = {}
    for base, path, dependencies, references in definitions:
        problems = []
        depends[os.path.dirname(path)] = _resolve_dependencies(base, path, dependencies, roots, recipe_dirs, problems)
        if warnings is not None:
            warnings.extend('%s (images %s)' % (problem, ', '.join(references)) for problem in problems)
    for image in images:
        image.depends_on = depends[image.recipe_dir]
    return images


def _check_unique(images):
    seen = {}
    for image in images:
        for reference in image.references:
            if reference in seen:
                raise RecipeError('%s and %s both define image %s'
                                  % (seen[reference], image.definition_file, reference))
            seen[reference] = image.definition_file


def _resolve_dependencies(base, path, dependencies, roots, recipe_dirs, problems):
    """The recipe directories below each dependency path, looked up from the recipe directory
    and from the same place in every other root (casa-distro 2.0's rule); a path leading to no
    recipe is added to ``problems``."""
    recipe_dir = os.path.dirname(path)
    relative = os.path.relpath(recipe_dir, base)
    found = []
    for dependency in dependencies:
        candidates = [os.path.normpath(os.path.join(recipe_dir, dependency))]
        candidates += [os.path.normpath(os.path.join(other, relative, dependency)) for other in roots if other != base]
        existing = [c for c in candidates if os.path.isdir(c)]
        below = [d for d in recipe_dirs for c in existing
                 if d != recipe_dir and (d == c or d.startswith(c.rstrip(os.sep) + os.sep))]
        if not below:
            problems.append('%s: dependency %s %s; it is ignored, as casa-distro v2 did'
                            % (path, dependency, 'holds no %s under the recipe roots' % RECIPE_FILE
                               if existing else 'does not exist (looked for %s)' % ', '.join(candidates)))
        found.extend(d for d in below if d not in found)
    return found


def _images_of(path, definition, template_parameters, name_prefix):
    recipe_dir = os.path.dirname(path)
    images = []
    for index, source in enumerate(definition['image_sources']):
        where = '%s: image_sources[%d]' % (path, index)
        name, tags, parameters = _image_source(source, template_parameters, name_prefix, where)
        images.append(ImageRecipe(name, tags, recipe_dir, template_parameters=parameters, definition_file=path))
    return images


def _image_source(source, template_parameters, name_prefix, where):
    """(name, tags, parameters) of one checked entry of image_sources."""
    parameters = dict(template_parameters)
    parameters.update(source['template_files_parameters'])
    name = name_prefix + render_string(source['name'], parameters, where + '.name')
    tags = [render_string(tag, parameters, '%s.tags[%d]' % (where, index)) for index, tag in enumerate(source['tags'])]
    validate_reference(name, tags, where)
    return name, tags, parameters


def select_images(images, patterns):
    """Keep the images whose name or name:tag matches one of the fnmatch patterns."""
    patterns = list(patterns or ['*'])
    selected = []
    for image in images:
        candidates = [image.name] + image.references
        if any(fnmatch.fnmatchcase(candidate, pattern)
               for candidate in candidates for pattern in patterns):
            selected.append(image)
    return selected
