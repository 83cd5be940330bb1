# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths inside a component's repository (the version file), checked before anything is read or
written there: neither a plan file nor a repository's symlinks may make apply write outside the
repository or into its ``.git``."""

from __future__ import annotations

MAX_LINKS = 40  # as the kernel's ELOOP limit


def path_problem(value):
    """Why ``value`` cannot be a file path inside a repository, or None when it can.

    Refused: non-strings, empty, absolute paths, ``..`` parts, anything in ``.git``.
    """
    if not isinstance(value, str) or not value.strip():
        return 'must be a non-empty path relative to the repository'
    if '\0' in value:
        return 'must not contain a NUL character'
    if value.startswith('/') or value.startswith('\\'):
        return 'must be relative to the repository, not absolute'
    parts = [part for part in value.replace('\\', '/').split('/') if part not in ('', '.')]
    if '..' in parts:
        return 'must not climb out of the repository with ".."'
    if any(part.lower() == '.git' for part in parts):
        return 'must not be inside the .git directory'
    if not parts:
        return 'must name a file of the repository'
    return None


def normalise(path):
    """``path`` without empty and ``.`` parts: how git names it in a tree."""
    return '/'.join(part for part in path.split('/') if part not in ('', '.'))


def resolve_in_tree(path, link_target):
    """The normalised path that ``path`` leads to through the symlinks of a tree, or None when
    it leads out of the tree, into its ``.git``, or loops.

    ``link_target(p)`` is the target of the symlink at tree path ``p``, or None when ``p`` is
    not a symlink (a missing path is not one).
    """
    pending = [part for part in path.split('/') if part not in ('', '.')]
    done = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == '..':
            if not done:
                return None
            done.pop()
            continue
        here = '/'.join(done + [part])
        target = link_target(here)
        if target is None:
            done.append(part)
            if part.lower() == '.git':
                return None
            continue
        links += 1
        if links > MAX_LINKS or target.startswith('/'):
            return None
        pending = [p for p in target.split('/') if p not in ('', '.')] + pending
    return '/'.join(done)
