# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""source=build: an image family built parents first, each image only when its recipe hash
(the build inputs, parents included) differs from the one in its label."""

from __future__ import annotations

import datetime
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils import _build_context as build_context
from ansible_collections.casa.distro.plugins.module_utils._docker_image.dockerfile import normalize_base, parse_from_lines
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.order import order_images
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import HASH_LABEL, NAME_LABEL
from ansible_collections.casa.distro.plugins.module_utils._docker_image.templates import context_entries


def build_family(task, images):
    """Build ``images`` (ImageRecipes) in dependency order for ``task`` (a DockerImageManager)."""
    prepared = {}
    bases = {}
    for image in images:
        if not image.recipe_dir:
            raise RecipeError('source=build needs path (a recipe directory) or recipes')
        entries = context_entries(image)
        text = build_context.dockerfile_text(entries, image.dockerfile)
        bases[image.reference] = parse_from_lines(text, task.params.get('build_args'))
        prepared[image.reference] = entries
    produced = {}  # reference -> image ID (None in check mode when it would be rebuilt)
    for image in order_images(images, bases, task.unselected_dirs):
        _build_image(task, image, prepared[image.reference], bases[image.reference], produced)


def _build_image(task, image, entries, bases, produced):
    result = task.new_result(image)
    existing = _decide(task, result, entries, bases, produced)
    if result.build_reason and task.check_mode:
        result.actions.append('Would build %s (%s)' % (image.reference, result.build_reason))
        task.changed = True
        produced.update({ref: None for ref in image.references})
        result.image_id = existing['Id'] if existing else None
        result.info = existing
        return
    if result.build_reason:
        labels = dict(task.params.get('labels') or {})
        labels[HASH_LABEL] = result.recipe_hash
        labels[NAME_LABEL] = image.name
        result.build_started = _now()
        image_id = _build(task, image, entries, labels)
        result.build_ended = _now()
        result.built = True
        result.actions.append('Built %s as %s (%s)' % (image.reference, image_id, result.build_reason))
    else:
        image_id = existing['Id']
    result.image_id = image_id
    task.ensure_tags(result)
    produced.update({ref: image_id for ref in image.references})
    result.info = task.client.inspect_image(image_id)
    if any(result.ids_before.get(ref) != image_id for ref in image.references):
        task.changed = True


def _decide(task, result, entries, bases, produced):
    """Set the recipe hash and the build reason of ``result``; returns the existing image's
    inspect dict (None when absent)."""
    params = task.params
    parent_ids, parent_pending, pulled = _parent_ids(task, result.recipe, bases, produced)
    result.actions.extend(base.action for base, first in pulled if first and base.action)
    result.recipe_hash = build_context.recipe_hash(
        entries, params.get('build_args'), params.get('labels') or {}, params.get('target'), parent_ids, task.digest_cache)
    existing = task.client.inspect_image(result.recipe.reference)
    result.build_reason = build_context.rebuild_reason(
        existing, HASH_LABEL, result.recipe_hash, force=params.get('force'), pending_parents=parent_pending)
    would_pull = [base.reference for base, dummy_first in pulled if base.would_pull]
    if would_pull and existing is not None and not params.get('force') and not parent_pending:
        result.build_reason = 'base image %s would be pulled' % ', '.join(would_pull)
    return existing


def _parent_ids(task, image, bases, produced):
    """Image IDs of the bases; ``pending`` lists bases that would be rebuilt or bootstrapped
    first (check mode: family bases, and the task's pending_bases); ``pulled`` the (BaseImage,
    resolved here first) of the other bases: an action is reported on the first image that
    needs the base."""
    ids = []
    pending = []
    pulled = []
    for base in bases:
        reference = normalize_base(base)
        if reference in produced:
            if produced[reference] is None:
                pending.append(reference)
            ids.append(produced[reference] or 'pending:' + reference)
            continue
        first = reference not in task.bases.resolved
        resolved = task.bases.resolve(reference, image)
        if resolved.pending:
            pending.append(reference)
            ids.append('pending:' + reference)
            continue
        pulled.append((resolved, first))
        ids.append(resolved.image_id or 'pull:' + reference)
    return ids, pending, pulled


def _build(task, image, entries, labels):
    """Build one image; a context with rendered templates is staged in a temporary directory,
    any other is streamed from the recipe directory."""
    params = task.params
    staging = None
    context = image.recipe_dir
    try:
        if build_context.needs_staging(entries):
            staging = tempfile.mkdtemp(prefix='casa-context-')
            build_context.stage_context(entries, staging)
            context = staging
        task.log.write('--- building %s from %s' % (image.reference, image.recipe_dir))
        image_id, _log = task.client.build(
            context, tag=image.reference, dockerfile=image.dockerfile,
            buildargs=params.get('build_args'), labels=labels,
            target=params.get('target'), network_mode=params.get('network'),
            pull=False, nocache=params.get('nocache'), on_line=task.log.write,
            context_paths=[entry.relpath for entry in entries])
        return image_id
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)


def _now():
    """UTC time stamp of a build's start or end (builds on several hosts are compared by them)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='milliseconds')
