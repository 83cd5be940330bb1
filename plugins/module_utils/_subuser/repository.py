# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Opening a subuser repository at one state: a directory (open_local) or a git commit
(open_git, with its subuser-version-constraints), its .subuser.json and image sources loaded."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._subuser.config import read_config
from ansible_collections.casa.distro.plugins.module_utils._subuser.constraints import select_constraint
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import normalize_url, repository_label
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import SUBUSER_JSON
from ansible_collections.casa.distro.plugins.module_utils._subuser.mirror import fetch_mirror, resolve_ref
from ansible_collections.casa.distro.plugins.module_utils._subuser.sources import load_sources
from ansible_collections.casa.distro.plugins.module_utils._subuser.trees import GitTree, LocalTree

DEFAULT_SUBUSER_VERSION = '0.6.2'


class Repository:
    """A subuser repository at one state: a directory, or a git commit (``commit``, its ID)."""

    def __init__(self, key, display, name, tree, commit=None, ref=None, default_branch=None,
                 url=None, path=None):
        self.key = key
        self.display = display
        self.name = name
        self.tree = tree
        self.commit = commit
        self.ref = ref
        self.default_branch = default_branch
        self.url = url
        self.path = path
        self.config = {}
        self.constraint = None
        self.image_sources_dir = ''
        self.sources = {}
        self.warnings = []

    @property
    def commit_id(self):
        """The full commit ID, None for a directory."""
        return self.commit

    def close(self):
        """End the git process reading the objects (a git repository)."""
        close = getattr(self.tree, 'close', None)
        if close is not None:
            close()

    def where(self, relpath):
        if self.commit is not None:
            return '%s@%s:%s' % (self.display, self.commit[:12], relpath)
        return os.path.join(self.path, relpath) if self.path else relpath

    def summary(self):
        return {
            'name': self.name,
            'display': self.display,
            'kind': self.tree.kind,
            'url': self.url,
            'path': self.path,
            'default_branch': self.default_branch,
            'ref': self.ref,
            'commit': self.commit_id,
            'version_constraint': self.constraint,
            'image_sources_dir': self.image_sources_dir or '.',
            'config': self.config,
            'warnings': list(self.warnings),
        }


def open_local(path, name=None):
    """A repository read from a directory. Version constraints do not apply (as in subuser)."""
    root = os.path.abspath(os.path.expanduser(path))
    tree = LocalTree(root)
    repository = Repository(key=root, display=root.rstrip('/') + '/', name=name or os.path.basename(root),
                            tree=tree, path=root)
    repository.config = read_config(repository)
    if 'subuser-version-constraints' in repository.config:
        repository.warnings.append(
            '%s: subuser-version-constraints are ignored for a local directory; read the '
            'repository through git (url) to honour them' % repository.where(SUBUSER_JSON))
    load_sources(repository)
    return repository


def _checkout(repository, mirror, commit, resolved):
    """Point the repository at another commit of its mirror."""
    repository.commit = commit
    repository.ref = resolved
    repository.tree = GitTree(mirror, commit)


def open_git(url, cache_dir, version=None, subuser_version=DEFAULT_SUBUSER_VERSION, update=True,
             name=None, display=None):
    """A repository read from git objects.

    Without ``version``, .subuser.json is read on the default branch and its
    subuser-version-constraints (evaluated against ``subuser_version``, when set) pick the ref;
    .subuser.json is then read again at that ref. ``version`` (branch, tag or commit) pins the
    ref directly.
    """
    mirror, default_branch = fetch_mirror(url, cache_dir, update)
    start = version or default_branch
    repository = Repository(key=normalize_url(url), display=display or url, name=name or repository_label(url),
                            tree=None, default_branch=default_branch, url=url)
    _checkout(repository, mirror, *resolve_ref(mirror, start, url))
    config = read_config(repository)
    constraints = config.get('subuser-version-constraints')
    if version is None and constraints is not None and subuser_version:
        where = repository.where(SUBUSER_JSON)
        ref, index, entry = select_constraint(constraints, subuser_version, where)
        _checkout(repository, mirror, *resolve_ref(mirror, ref, url))
        repository.constraint = {'index': index, 'entry': entry, 'subuser_version': subuser_version,
                                 'read_at': start}
        config = read_config(repository)  # re-read at the selected ref (not re-evaluated)
    elif version is not None and constraints is not None:
        repository.warnings.append('%s: subuser-version-constraints not evaluated: version %s is '
                                   'pinned' % (repository.where(SUBUSER_JSON), version))
    repository.config = config
    load_sources(repository)
    return repository
