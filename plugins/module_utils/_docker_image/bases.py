# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Base images a family builds on (``FROM`` lines naming no image of the recipe trees), and the
pull policy that refreshes them, as casa-distro v2 pulled the bases of its root images.

``never``: the base must be in the daemon. ``missing``: pulled when absent. ``always``: pulled
before every build, so that a newer base triggers a rebuild. Each base is resolved once per
task. Check mode asks the registry (read only) and predicts "would pull".
"""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._docker import DockerError
from ansible_collections.casa.distro.plugins.module_utils._image_reference import split_reference


class BaseImage:
    """How one base resolved: its image ID (None when it would be pulled in check mode), and
    the action taken or predicted (None when nothing was pulled)."""

    def __init__(self, image_id, action=None, would_pull=False, pending=False):
        self.reference = None
        self.image_id = image_id
        self.action = action
        self.would_pull = would_pull
        # Check mode: an earlier task of the run would make it (its children would be built).
        self.pending = pending


class BaseImages:
    """Resolves base references for one task (a DockerImageManager)."""

    def __init__(self, task, policy, tree_references=(), pending_bases=()):
        self.task = task
        self.policy = policy
        self.tree_references = set(tree_references)
        self.pending_bases = set(pending_bases)
        self.resolved = {}

    def resolve(self, reference, child):
        """The BaseImage of ``reference``, a base of ``child`` (an ImageRecipe)."""
        if reference not in self.resolved:
            self.resolved[reference] = self._resolve(reference, child)
            self.resolved[reference].reference = reference
        return self.resolved[reference]

    def _resolve(self, reference, child):
        client = self.task.client
        if self.task.check_mode and reference in self.pending_bases:
            return BaseImage(None, pending=True)
        local = client.inspect_image(reference)
        # Images of the recipe trees are built, never pulled, even when the selection left them out.
        policy = 'never' if reference in self.tree_references else self.policy
        if policy == 'never' or (policy == 'missing' and local is not None):
            if local is None:
                raise DockerError(
                    'Base image %s of %s is not in the Docker daemon at %s: build or bootstrap it '
                    'first (include it in image_names), or set pull to missing or always (pull=true '
                    'means always) to fetch it from its registry' % (reference, child.reference, client.docker_host))
            return BaseImage(local['Id'])
        repository, tag = split_reference(reference)
        if self.task.check_mode:
            return self._predict(reference, repository, tag, local)
        self.task.log.write('--- pulling base image %s' % reference)
        after = client.pull(repository, tag, auth=self.task.auth(), on_line=self.task.log.write)
        before = local['Id'] if local else None
        if after == before:
            return BaseImage(after)
        self.task.changed = True
        return BaseImage(after, 'Pulled base image %s: %s -> %s' % (reference, before, after))

    def _predict(self, reference, repository, tag, local):
        remote = self.task.client.registry_digest(repository, tag, auth=self.task.auth())
        if remote is None:
            if local is not None:
                return BaseImage(local['Id'])
            raise DockerError('Base image %s is neither in the Docker daemon nor in its registry' % reference)
        if local is not None and '%s@%s' % (repository, remote) in (local.get('RepoDigests') or []):
            return BaseImage(local['Id'])
        self.task.changed = True
        return BaseImage(None, 'Would pull base image %s (%s)' % (reference, remote), would_pull=True)
