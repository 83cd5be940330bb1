# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""casa-distro v2 recipe trees, read as they are.

Every directory holding ``casa_distro_docker.yaml`` is a recipe; its ``image_sources`` give the
images built from it and its ``dependencies`` name other recipe directories. Pure logic, no
Docker: importable and tested without a daemon.
"""

from __future__ import annotations

import fnmatch
import os

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE, ImageRecipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.templates import render_string
from ansible_collections.casa.distro.plugins.module_utils._image_reference import validate_reference

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover
    HAS_YAML = False

KNOWN_KEYS = ('dependencies', 'image_sources')


def load_recipe_tree(root, template_parameters=None, name_prefix=''):
    """Read every casa_distro_docker.yaml under ``root``. Returns a list of ImageRecipe."""
    if not HAS_YAML:
        raise RecipeError('PyYAML is required to read %s files' % RECIPE_FILE)
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise RecipeError('recipes: %s is not a directory' % root)
    images = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if RECIPE_FILE in filenames:
            images.extend(_load_recipe_file(os.path.join(dirpath, RECIPE_FILE),
                                            template_parameters or {}, name_prefix))
    if not images:
        raise RecipeError('recipes: no %s found under %s' % (RECIPE_FILE, root))
    seen = {}
    for image in images:
        for reference in image.references:
            if reference in seen:
                raise RecipeError('%s and %s both define image %s'
                                  % (seen[reference], image.definition_file, reference))
            seen[reference] = image.definition_file
    return images


def _read_definition(path):
    try:
        with open(path) as handle:
            definition = yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        raise RecipeError('%s: invalid YAML: %s' % (path, exc))
    except OSError as exc:
        raise RecipeError('%s: cannot read: %s' % (path, exc))
    if not isinstance(definition, dict):
        raise RecipeError('%s: expected a mapping with image_sources, got %s'
                          % (path, type(definition).__name__))
    unknown = set(definition) - set(KNOWN_KEYS)
    if unknown:
        raise RecipeError('%s: unknown key(s) %s (known: %s)'
                          % (path, ', '.join(sorted(unknown)), ', '.join(KNOWN_KEYS)))
    dependencies = definition.get('dependencies') or []
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise RecipeError('%s: dependencies must be a list of relative directory paths' % path)
    sources = definition.get('image_sources')
    if not isinstance(sources, list) or not sources:
        raise RecipeError('%s: image_sources must be a non-empty list' % path)
    return dependencies, sources


def _load_recipe_file(path, template_parameters, name_prefix):
    recipe_dir = os.path.dirname(path)
    dependencies, sources = _read_definition(path)
    depends_on = [os.path.normpath(os.path.join(recipe_dir, d)) for d in dependencies]
    images = []
    for index, source in enumerate(sources):
        where = '%s: image_sources[%d]' % (path, index)
        name, tags, parameters = _image_source(source, template_parameters, name_prefix, where)
        images.append(ImageRecipe(name, tags, recipe_dir, template_parameters=parameters,
                                  depends_on=depends_on, definition_file=path))
    return images


def _image_source(source, template_parameters, name_prefix, where):
    """(name, tags, parameters) of one entry of image_sources."""
    if not isinstance(source, dict) or 'name' not in source:
        raise RecipeError('%s: each image source needs a name' % where)
    source_parameters = source.get('template_files_parameters') or {}
    if not isinstance(source_parameters, dict):
        raise RecipeError('%s: template_files_parameters must be a mapping' % where)
    parameters = dict(template_parameters)
    parameters.update(source_parameters)
    tags = source.get('tags') or ['latest']
    if not isinstance(tags, list):
        raise RecipeError('%s: tags must be a list' % where)
    name = name_prefix + render_string(str(source['name']), parameters, where + '.name')
    tags = [render_string(str(tag), parameters, where + '.tags') for tag in tags]
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
