# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The graph of image sources: the repositories FROM-SUBUSER-IMAGE reaches, each source's
parent, lineages (ancestors, base first) and the cycles among them."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import (
    DEFAULT_REPOSITORY, DEFAULT_REPOSITORY_URL, normalize_url, repository_label)
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import (
    DEFAULT_SUBUSER_VERSION, open_git, open_local)


class RepositorySet:
    """The main repository and the ones FROM-SUBUSER-IMAGE reaches, opened on demand.

    ``mappings`` replace repository identifiers (``default`` or a URL) with another location
    (a git URL, or an absolute directory path), e.g. a mirror or a local copy.
    """

    def __init__(self, cache_dir=None, subuser_version=DEFAULT_SUBUSER_VERSION, update=True,
                 mappings=None):
        self.cache_dir = cache_dir
        self.subuser_version = subuser_version
        self.update = update
        self.mappings = {normalize_url(k) if k != DEFAULT_REPOSITORY else k: v
                         for k, v in (mappings or {}).items()}
        self.repositories = {}
        self.failures = {}

    def add(self, repository, identity=None):
        self.repositories[identity or repository.key] = repository
        return repository

    def unique(self):
        """The repositories opened, each once (several names may reach one), by key."""
        seen = {}
        for repository in self.repositories.values():
            seen.setdefault(id(repository), repository)
        return sorted(seen.values(), key=lambda r: r.key)

    def close(self):
        """End the git processes the repositories read through."""
        for repository in self.unique():
            repository.close()

    def location(self, identity):
        """Where ``default`` or a URL is read from, after the mappings."""
        location = self.mappings.get(identity)
        if location is None:
            location = DEFAULT_REPOSITORY_URL if identity == DEFAULT_REPOSITORY else identity
        return location

    @staticmethod
    def location_key(location):
        """The key the repository read from ``location`` gets (see open_local and open_git)."""
        if '://' not in location and location.startswith('/'):
            return os.path.abspath(location)
        return normalize_url(location)

    def open(self, identity):
        """The repository for ``default`` or a URL (cached; a failure is remembered).

        One location is one repository object, whatever name reaches it: ``default`` mapped to
        (or being) the repository inspected gives that repository, not a second copy of it.
        """
        if identity in self.repositories:
            return self.repositories[identity]
        if identity in self.failures:
            raise self.failures[identity]
        key = self.location_key(self.location(identity))
        known = [r for r in self.repositories.values() if r.key == key]
        if known:
            self.repositories[identity] = known[0]
            return known[0]
        try:
            repository = self._open_location(identity)
        except SubuserError as exc:
            self.failures[identity] = exc
            raise
        self.repositories[identity] = repository
        return repository

    def _open_location(self, identity):
        display = identity
        location = self.location(identity)
        if '://' not in location and location.startswith('/'):
            repository = open_local(location, name=repository_label(display))
            repository.display = display
            return repository
        if not self.cache_dir:
            raise SubuserError('no cache_dir to fetch %s into' % location)
        return open_git(location, self.cache_dir, subuser_version=self.subuser_version,
                        update=self.update, name=repository_label(display), display=display)

    def _parent_repository(self, source):
        """The repository FROM-SUBUSER-IMAGE of ``source`` names (None, with an error, if it
        cannot be opened)."""
        identifier = source.parent_identifier
        if identifier.kind == 'context':
            return source.repository
        identity = DEFAULT_REPOSITORY if identifier.kind == 'named' else normalize_url(identifier.repository)
        try:
            return self.open(identity)
        except UnsafePathError:
            raise
        except SubuserError as exc:
            source.errors.append('%s:%d: cannot open the repository of FROM-SUBUSER-IMAGE %s: %s'
                                 % (source.where(source.image_file), source.parent_line,
                                    identifier.text, exc.msg))
            return None

    def resolve_parent(self, source):
        """Set ``source.parent`` from its FROM-SUBUSER-IMAGE identifier (errors go to the source)."""
        identifier = source.parent_identifier
        if identifier is None or source.parent is not None:
            return source.parent
        repository = self._parent_repository(source)
        if repository is None:
            return None
        parent = repository.sources.get(identifier.name)
        if parent is None:
            names = sorted(repository.sources)
            shown = ', '.join(names[:30]) + (' ...' if len(names) > 30 else '')
            source.errors.append('%s:%d: FROM-SUBUSER-IMAGE %s: no image source "%s" in repository '
                                 '%s (it has: %s)' % (source.where(source.image_file), source.parent_line,
                                                      identifier.text, identifier.name,
                                                      repository.display, shown or 'none'))
            return None
        source.parent = parent
        return parent


def _walk_up(repository_set, start, lineage):
    """The chain from ``start`` up to a known node, a root or a repeat; the members of a cycle
    get their ``lineage_error`` and no lineage."""
    path = []
    on_path = {}
    node = start
    while node is not None and node.key not in lineage:
        if node.key in on_path:
            cycle = path[on_path[node.key]:] + [node]
            text = ' -> '.join(s.identifier for s in cycle)
            for member in path[on_path[node.key]:]:
                member.lineage_error = 'FROM-SUBUSER-IMAGE cycle: %s' % text
                lineage[member.key] = None
            break
        on_path[node.key] = len(path)
        path.append(node)
        node = repository_set.resolve_parent(node)
    return path


def _unwind(path, lineage):
    """Lineages of a walked chain, top (known or cyclic) first."""
    for member in reversed(path):
        if member.key in lineage:
            continue
        parent = member.parent
        if parent is None:
            lineage[member.key] = []
        elif lineage.get(parent.key) is None:
            member.lineage_error = member.lineage_error or (
                'its ancestor %s is on a FROM-SUBUSER-IMAGE cycle' % parent.identifier
                if parent.lineage_error else 'parent %s cannot be resolved' % parent.identifier)
            lineage[member.key] = None
        else:
            lineage[member.key] = lineage[parent.key] + [parent]


def lineages(repository_set, sources):
    """Parents first, for the given sources and all their ancestors.

    Returns (order, lineage) where ``lineage`` maps a source key to the list of its ancestors
    (base first). Sources on a cycle, or below one, get ``lineage_error`` naming the cycle.
    Linear in the number of sources: each chain is walked once.
    """
    lineage = {}
    order = []
    placed = set()
    for start in sources:
        path = _walk_up(repository_set, start, lineage)
        _unwind(path, lineage)
        for member in reversed(path):
            if member.key not in placed and lineage.get(member.key) is not None:
                placed.add(member.key)
                order.append(member)
    return order, lineage


def buildable(source, lineage):
    """Whether ``source`` and all its ancestors are valid."""
    chain = lineage.get(source.key)
    if chain is None or source.errors or source.lineage_error:
        return False
    return all(not s.errors for s in chain)
