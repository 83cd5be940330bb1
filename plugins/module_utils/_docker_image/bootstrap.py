# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""source=bootstrap: a base system made with debootstrap and imported, only when the bootstrap
inputs differ from the ones recorded in the image's label."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._build_context import rebuild_reason
from ansible_collections.casa.distro.plugins.module_utils._docker import DockerError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.debootstrap import (
    BOOTSTRAP_HASH_LABEL, Debootstrap, import_changes, normalize_spec, spec_hash)
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError

INPUTS_CHANGED = 'bootstrap inputs changed'


def bootstrap_image(task, image):
    """Bootstrap one ImageRecipe for ``task`` (a DockerImageManager)."""
    spec = task.params.get('bootstrap') or {}
    if not spec.get('suite'):
        raise RecipeError('source=bootstrap needs bootstrap.suite (e.g. bookworm)')
    result = task.new_result(image)
    digest = spec_hash(spec)
    result.recipe_hash = digest
    existing = task.client.inspect_image(image.reference)
    result.build_reason = rebuild_reason(existing, BOOTSTRAP_HASH_LABEL, digest, force=task.params.get('force'),
                                         unlabelled=INPUTS_CHANGED, explain_change=lambda labels: INPUTS_CHANGED)
    if result.build_reason and task.check_mode:
        result.actions.append('Would bootstrap %s %s (%s)' % (image.reference, spec['suite'], result.build_reason))
        result.image_id = existing['Id'] if existing else None
        result.info = existing
        task.changed = True
        return
    if result.build_reason:
        result.image_id = _debootstrap(task, image, spec, digest)
        result.built = True
        result.actions.append('Bootstrapped %s from %s %s as %s (%s)' % (
            image.reference, spec['suite'], normalize_spec(spec)['mirror'], result.image_id, result.build_reason))
    else:
        result.image_id = existing['Id']
    task.ensure_tags(result)
    result.info = task.client.inspect_image(result.image_id)
    if any(result.ids_before.get(ref) != result.image_id for ref in image.references):
        task.changed = True


def _debootstrap(task, image, spec, digest):
    task.log.write('--- bootstrapping %s from %s %s' % (image.reference, spec['suite'], normalize_spec(spec)['mirror']))
    runner = Debootstrap(work_dir=spec.get('work_dir'), on_line=task.log.write)
    scratch, rootfs = runner.build_rootfs(spec)
    try:
        changes, _labels = import_changes(spec, digest)
        with runner.tar_stream(rootfs) as tar:
            try:
                image_id = task.client.import_rootfs(tar.stdout, image.name, image.tags[-1], changes)
            finally:
                # A failed tar explains a failed import better than the daemon does.
                if tar.wait() != 0:
                    raise DockerError('tar of the bootstrapped root filesystem failed: %s' % tar.stderr_text())
        return image_id
    finally:
        runner.cleanup(scratch)
