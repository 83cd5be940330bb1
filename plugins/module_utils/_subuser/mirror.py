# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cache of bare git mirrors repositories are read from (one per URL under cache_dir),
and the refs resolved in them; git itself is the collection's one git client (_git)."""

from __future__ import annotations

import hashlib
import os

from ansible_collections.casa.distro.plugins.module_utils._git.client import GitError, GitRepo
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import normalize_url, repository_label, slug


def mirror_path(cache_dir, url):
    """The directory of the mirror of ``url``: readable name plus a digest of the URL."""
    digest = hashlib.sha256(normalize_url(url).encode()).hexdigest()[:16]
    return os.path.join(cache_dir, '%s-%s.git' % (slug(repository_label(url)), digest))


def _default_branch(repo, url):
    """The mirror's default branch (the branch its HEAD, the remote's, points to, else the
    collection's rule); an error naming the branches when it cannot be told."""
    default = repo.default_branch()
    if default:
        return default
    branches = repo.branches()
    if not branches:
        raise SubuserError('git repository %s has no branches' % url, url=url)
    raise SubuserError('cannot tell the default branch of git repository %s (its HEAD is not advertised '
                       'and branches are %s); set version' % (url, ', '.join(branches)), url=url)


def fetch_mirror(url, cache_dir, update=True):
    """A bare mirror of ``url`` under ``cache_dir`` (cloned or fetched) and its default branch."""
    path = mirror_path(cache_dir, url)
    try:
        repo = GitRepo.mirror(url, path, update=update)
        return repo, _default_branch(repo, url)
    except GitError as exc:
        raise SubuserError('Cannot fetch git repository %s: %s' % (url, exc.reason or exc.msg), url=url)
    except OSError as exc:
        raise SubuserError('Cannot fetch git repository %s into %s: %s' % (url, path, exc), url=url)


def resolve_ref(repo, ref, url):
    """(commit ID, what matched) for a branch, a tag or a commit ID (full or abbreviated)."""
    found = repo.resolve(ref, where='%s: version' % url)
    if found:
        return found
    tags = repo.tags()
    raise SubuserError('%s: "%s" is not a branch, tag or commit of the repository (branches: %s; '
                       'tags: %s)' % (url, ref, ', '.join(repo.branches()) or 'none',
                                      ', '.join(tags[:20]) or 'none'), url=url, ref=ref)
