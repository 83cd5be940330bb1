# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One ``casa_distro_docker.yaml`` file: its declared schema and its reading.

The keys are the ones casa-distro v2 read: ``dependencies`` (paths relative to the recipe
directory, each a directory searched for recipes) and ``image_sources``, a list of ``name``,
``tags``, ``visibility`` and ``template_files_parameters``. The file is checked against the schema
before anything else reads it, so a wrong shape fails with the file and key named.
"""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils import _schema as s
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, parse_yaml, read_text

# A template parameter is %-formatted into names, tags and template files: scalars only.
PARAMETER = s.OneOf(s.Str(), s.Int(), s.Float(), s.Bool())


class _Tag(s.OneOf):
    """A tag: a non-empty string, or an integer (``tags: [5]`` reads back exactly; a float such as
    5.10 would not, so it is refused)."""

    def describe(self):
        return 'a string or integer tag'


IMAGE_SOURCE = s.Record({
    'name': s.Field(s.Str(empty=False, what='an image name (a string)'), required=True),
    'tags': s.ListOf(_Tag(s.Str(empty=False), s.Int(minimum=0))),
    'visibility': s.Str(choices=('public', 'private')),
    'template_files_parameters': s.MapOf(PARAMETER),
}, what='an image source (a mapping with name, tags, visibility, template_files_parameters)')

RECIPE_SCHEMA = s.Record({
    'dependencies': s.ListOf(s.Str(empty=False, what='a relative directory path')),
    'image_sources': s.Field(s.ListOf(IMAGE_SOURCE, min_items=1), required=True),
}, what='a mapping with image_sources (and optionally dependencies)')


def parse_recipe(text, where):
    """The checked content of a recipe file's text (str or bytes): a dict with ``dependencies``
    (a list) and ``image_sources``; RecipeError naming ``where`` and the key otherwise."""
    try:
        definition = parse_yaml(text, where)
        checked = s.check(RECIPE_SCHEMA, definition, where)
    except (FileFormatError, s.SchemaError) as exc:
        raise RecipeError(exc.msg, **exc.details)
    checked['dependencies'] = checked['dependencies'] or []
    for source in checked['image_sources']:
        source['tags'] = [str(tag) for tag in source['tags'] or []] or ['latest']
        source['template_files_parameters'] = source['template_files_parameters'] or {}
    return checked


def read_recipe(path):
    """The checked content of the recipe file ``path`` (see parse_recipe)."""
    if os.path.exists(path) and not (os.path.isfile(path) or os.path.isdir(path)):
        # A FIFO would block the read forever; a device has no end.
        raise RecipeError('%s: the recipe file is not a regular file' % path, file=path)
    try:
        data = read_text(path, 'recipe file')
    except FileFormatError as exc:
        raise RecipeError(exc.msg, **exc.details)
    return parse_recipe(data, path)
