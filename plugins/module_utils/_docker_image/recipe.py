# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One image to build from a recipe directory, and the labels casa.distro puts on it."""

from __future__ import annotations

RECIPE_FILE = 'casa_distro_docker.yaml'
HASH_LABEL = 'io.casa-distro.recipe-hash'
NAME_LABEL = 'io.casa-distro.image'


class ImageRecipe:
    """One image to build: a repository name, its tags and the recipe directory it comes from."""

    def __init__(self, name, tags, recipe_dir, dockerfile='Dockerfile', template_parameters=None,
                 depends_on=None, definition_file=None):
        self.name = name
        self.tags = list(tags)
        self.recipe_dir = recipe_dir
        self.dockerfile = dockerfile
        self.template_parameters = dict(template_parameters or {})
        self.depends_on = list(depends_on or [])  # recipe directories (absolute)
        self.definition_file = definition_file

    @property
    def reference(self):
        """The name:tag that builds are tagged with (the last tag, as casa-distro did)."""
        return '%s:%s' % (self.name, self.tags[-1])

    @property
    def references(self):
        return ['%s:%s' % (self.name, tag) for tag in self.tags]

    def __repr__(self):
        return 'ImageRecipe(%r)' % self.reference
