# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What casa_docker_image reports: one entry per image, and the task's result."""

from __future__ import annotations


class ImageResult:
    """What happened to one image; becomes one entry of the module's ``images`` result."""

    def __init__(self, recipe):
        self.recipe = recipe
        self.ids_before = {}
        self.image_id = None
        self.recipe_hash = None
        self.build_reason = None
        self.built = False
        self.pushed = {}
        self.pulled = {}
        self.actions = []
        self.info = None
        self.build_started = None
        self.build_ended = None

    def as_dict(self):
        info = self.info or {}
        config = info.get('Config') or {}
        return {
            'name': self.recipe.name,
            'tags': list(self.recipe.tags),
            'image_id': self.image_id,
            'image_ids_before': dict(self.ids_before),
            'repo_digests': list(info.get('RepoDigests') or []),
            'size': info.get('Size'),
            'labels': dict(config.get('Labels') or {}),
            'recipe_hash': self.recipe_hash,
            'built': self.built,
            'build_reason': self.build_reason,
            'build_started': self.build_started,
            'build_ended': self.build_ended,
            'pushed': dict(self.pushed),
            'pulled': dict(self.pulled),
            'actions': list(self.actions),
        }


def summary(results, changed):
    """The module result: changed, one entry per image, every action, and the image ID of every
    reference before and after (the diff)."""
    before = {}
    after = {}
    for result in results:
        before.update(result.ids_before)
        for reference in result.recipe.references:
            after[reference] = result.image_id
    return {
        'changed': changed,
        'images': [result.as_dict() for result in results],
        'actions': [action for result in results for action in result.actions],
        'diff': {'before': before, 'after': after},
    }
