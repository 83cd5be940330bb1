# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recipe templates: casa-distro's %-formatting of names, tags and ``*.template`` files, and the
rendered build context of a recipe."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils import _build_context as build_context
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE

TEMPLATE_SUFFIX = '.template'


def render_string(text, parameters, where):
    """casa-distro's repeated %-formatting, until the text no longer changes."""
    for dummy_round in range(10):
        try:
            rendered = text % parameters
        except KeyError as exc:
            raise RecipeError('%s: unknown template parameter %s (known: %s)'
                              % (where, exc, ', '.join(sorted(parameters)) or 'none'))
        except (ValueError, TypeError) as exc:
            raise RecipeError('%s: bad %%-format in %r: %s (write %%%% for a literal %%)'
                              % (where, text[:80], exc))
        if rendered == text:
            return rendered
        text = rendered
    return text


def context_entries(image):
    """The build context of an ImageRecipe: its directory after .dockerignore, the recipe
    definition left out, ``*.template`` files rendered with the image's parameters."""
    return build_context.directory_entries(
        image.recipe_dir, dockerfile=image.dockerfile, leave_out=(RECIPE_FILE,),
        render=lambda text, where: render_string(text, image.template_parameters, where),
        template_suffix=TEMPLATE_SUFFIX)


def read_dockerfile(image):
    """The (rendered) Dockerfile of a recipe, without reading the rest of its context."""
    plain = os.path.join(image.recipe_dir, image.dockerfile)
    template = plain + TEMPLATE_SUFFIX
    try:
        if os.path.exists(template):
            with open(template, encoding='utf-8') as handle:
                return render_string(handle.read(), image.template_parameters, template)
        with open(plain, encoding='utf-8') as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError('%s: cannot read the Dockerfile: %s' % (plain, exc))
