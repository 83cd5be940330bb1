# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Base images a family builds on (``FROM`` lines naming no image of the recipe trees), and the
pull policy that refreshes them, as casa-distro v2 pulled the bases of its root images.

``never``: the base must be in the daemon. ``missing``: pulled when absent. ``always``: pulled
before every build, so that a newer base triggers a rebuild. Each base is resolved once per
task. Check mode asks the registry (read only) and predicts "would pull".

A base given a digest (``base_digests``: a parent another build host built and pushed) is pulled
as ``name@digest`` unless the daemon holds that very manifest, and tagged with the reference the
FROM line names, whatever the policy: the child is built on exactly what the other host reported.
"""

from __future__ import annotations

import re

from ansible_collections.casa.distro.plugins.module_utils._docker import DockerError
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._image_reference import has_tag, split_reference

_DIGEST_RE = re.compile(r'sha256:[0-9a-f]{64}\Z')


class BaseImage:
    """How one base resolved: its image ID (None when it would be pulled in check mode), and
    the action taken or predicted (None when nothing was pulled)."""

    def __init__(self, image_id, action=None, would_pull=False, pending=False, digest=None):
        self.reference = None
        self.image_id = image_id
        self.action = action
        self.would_pull = would_pull
        # Check mode: an earlier task of the run would make it (its children would be built).
        self.pending = pending
        self.digest = digest

    def as_dict(self):
        return {'reference': self.reference, 'image_id': self.image_id, 'digest': self.digest,
                'pulled': bool(self.action) and not self.would_pull, 'action': self.action}


class BaseImages:
    """Resolves base references for one task (a DockerImageManager)."""

    def __init__(self, task, policy, tree_references=(), pending_bases=(), digests=None):
        self.task = task
        self.policy = policy
        self.tree_references = set(tree_references)
        self.pending_bases = set(pending_bases)
        self.digests = check_base_digests(digests)
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
        if reference in self.digests:
            return self._pinned(reference, self.digests[reference], local)
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

    def _pinned(self, reference, digest, local):
        """The base ``reference`` as the manifest ``digest`` (see the module docstring)."""
        repository, tag = split_reference(reference)
        pinned = '%s@%s' % (repository, digest)
        if local is not None and pinned in (local.get('RepoDigests') or []):
            return BaseImage(local['Id'], digest=digest)
        before = local['Id'] if local else None
        self.task.changed = True
        if self.task.check_mode:
            return BaseImage(None, 'Would pull base image %s' % pinned, would_pull=True, digest=digest)
        after = self.task.client.pull(repository, digest, auth=self.task.auth())
        self.task.client.tag(after, repository, tag)
        return BaseImage(after, 'Pulled base image %s as %s: %s -> %s' % (pinned, reference, before, after),
                         digest=digest)


def check_base_digests(digests):
    """The ``base_digests`` option: {reference with a tag: sha256 digest}."""
    digests = digests or {}
    if not isinstance(digests, dict):
        raise InputError('base_digests: expected a mapping of base image references to digests, got %r' % (digests,))
    for reference, digest in digests.items():
        if not isinstance(reference, str) or not has_tag(reference) or '@' in reference:
            raise InputError('base_digests: key %r is not an image reference with a tag (name:tag), as the '
                             'FROM lines name it' % (reference,))
        if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
            raise InputError('base_digests: %s: %r is not a manifest digest (sha256:<64 lowercase hex digits>)'
                             % (reference, digest))
    return dict(digests)
