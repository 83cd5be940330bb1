# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""source=pull and push=true: images to and from their registry, changed only when an image ID
or a registry manifest changed. Check mode asks the registry for digests (read only)."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._docker import DockerError


def _repo_digest(info, name):
    """The digest the daemon records for ``name`` in an image's RepoDigests, or None."""
    digests = (info or {}).get('RepoDigests') or []
    return next((d.split('@', 1)[1] for d in digests if d.split('@', 1)[0] == name), None)


def _predict_pull(task, result, tag, reference):
    image = result.recipe
    remote = task.client.registry_digest(image.name, tag, auth=task.auth())
    local = (task.client.inspect_image(reference) or {}).get('RepoDigests') or []
    if remote is None:
        raise DockerError('%s is not in its registry' % reference)
    if '%s@%s' % (image.name, remote) not in local:
        result.actions.append('Would pull %s (%s)' % (reference, remote))
        task.changed = True
    result.pulled[tag] = remote


def pull_image(task, image):
    """Refresh every tag of one ImageRecipe from its registry."""
    result = task.new_result(image)
    for tag in image.tags:
        reference = '%s:%s' % (image.name, tag)
        if task.check_mode:
            _predict_pull(task, result, tag, reference)
            continue
        before = result.ids_before[reference]
        task.log.write('--- pulling %s' % reference)
        after = task.client.pull(image.name, tag, auth=task.auth(), on_line=task.log.write)
        result.pulled[tag] = _repo_digest(task.client.inspect_image(after), image.name)
        if after != before:
            task.changed = True
            result.actions.append('Pulled %s: %s -> %s' % (reference, before, after))
        result.image_id = after
    if result.image_id is None:
        result.image_id = result.ids_before.get(image.reference)
    result.info = task.client.inspect_image(result.image_id) if result.image_id else None


def push_result(task, result):
    """Push every tag of an image made present; not changed when the registry already holds the
    manifest the daemon knows for it."""
    image = result.recipe
    for tag in image.tags:
        reference = '%s:%s' % (image.name, tag)
        local = task.client.inspect_image(reference)
        if local is None:
            if task.check_mode:
                result.actions.append('Would push %s once built' % reference)
                task.changed = True
                continue
            raise DockerError('Cannot push %s: no such image in the daemon' % reference)
        remote_before = task.client.registry_digest(image.name, tag, auth=task.auth())
        if remote_before and '%s@%s' % (image.name, remote_before) in (local.get('RepoDigests') or []):
            result.pushed[tag] = remote_before
            continue
        if task.check_mode:
            result.actions.append('Would push %s' % reference)
            task.changed = True
            continue
        task.log.write('--- pushing %s' % reference)
        digest = task.client.push(image.name, tag, auth=task.auth(), on_line=task.log.write)
        result.pushed[tag] = digest
        if digest != remote_before:
            task.changed = True
            result.actions.append('Pushed %s (%s)' % (reference, digest))
    result.info = task.client.inspect_image(result.image_id) if result.image_id else result.info
