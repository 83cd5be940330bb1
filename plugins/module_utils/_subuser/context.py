# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The build context of an image source read from a tree (a directory or a git commit): what
Docker is sent after .dockerignore, its hash, and its staging into a directory.

.dockerignore matching and staging are the collection's (_build_context); the hash is
subuser's own (paths, kinds and git blob IDs), so that a directory and its git commit hash
alike and images labelled by earlier versions stay up to date.
"""

from __future__ import annotations

import hashlib

from ansible_collections.casa.distro.plugins.module_utils import _build_context

HASH_SCHEME = 'casa-distro-subuser-v1'
# Sent whatever .dockerignore says: Docker reads both.
ALWAYS_SENT = (_build_context.DOCKERIGNORE, 'Dockerfile')


def apply_dockerignore(entries):
    """The entries Docker would send: those not excluded by the context's .dockerignore.

    The .dockerignore itself stays (Docker reads it); an ignored file then changes nothing.
    """
    ignore = [e for e in entries if e.relpath == _build_context.DOCKERIGNORE]
    if not ignore:
        return entries
    patterns = _build_context.parse_dockerignore(ignore[0].read().decode('utf-8', 'replace'))
    kept = set(_build_context.kept_paths([e.relpath for e in entries], patterns, always=ALWAYS_SENT))
    return [e for e in entries if e.relpath in kept]


def context_hash(entries):
    """SHA-256 over the paths, kinds and blob IDs of a build context (same for git and disk)."""
    digest = hashlib.sha256(HASH_SCHEME.encode())
    for entry in entries:
        digest.update(('%s\0%s\0%s\n' % (entry.relpath, entry.kind, entry.blob_id)).encode())
    return 'sha256:' + digest.hexdigest()


def _context_entry(entry):
    """The tree entry as a _build_context entry, its content in memory (a git blob has no file)."""
    if entry.kind == 'symlink':
        return _build_context.ContextEntry(entry.relpath, data=entry.read(), kind='symlink')
    return _build_context.ContextEntry(entry.relpath, data=entry.read(),
                                       mode=0o755 if entry.kind == 'executable' else 0o644)


def stage_context(entries, destination):
    """Write a build context read from a tree into a directory."""
    _build_context.stage_context([_context_entry(e) for e in entries], destination)
