# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The files of a repository at one state: a directory on disk (LocalTree) or the git objects
of one commit (GitTree, nothing checked out). Both answer the same questions (isdir, isfile,
read, subdirs, files) and refuse paths and symlinks that leave the repository."""

from __future__ import annotations

import hashlib
import os
import posixpath

from ansible_collections.casa.distro.plugins.module_utils._git.client import TREE_MODE, TreeEntry
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import check_relative_path, in_git_dir, join

MAX_SYMLINKS = 40


def git_blob_id(data):
    """git's object ID of a blob with this content, so that local and git trees hash alike."""
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


class FileEntry:
    """A file of a build context: relative path, kind (file, executable, symlink), blob ID."""

    __slots__ = ('relpath', 'kind', 'blob_id', '_reader')

    def __init__(self, relpath, kind, blob_id, reader):
        self.relpath = relpath
        self.kind = kind
        self.blob_id = blob_id
        self._reader = reader

    def read(self):
        return self._reader()


def _read_file(path):
    with open(path, 'rb') as handle:
        return handle.read()


def _local_entry(rel, item):
    """The FileEntry of a directory entry that is not a directory, or None (sockets...)."""
    if item.is_symlink():
        target = os.readlink(item.path).encode()
        return FileEntry(rel, 'symlink', git_blob_id(target), lambda t=target: t)
    if item.is_file():
        data = _read_file(item.path)
        kind = 'executable' if item.stat().st_mode & 0o111 else 'file'
        return FileEntry(rel, kind, git_blob_id(data), lambda p=item.path: _read_file(p))
    return None


class LocalTree:
    """A repository read from a directory (uncommitted edits are visible)."""

    kind = 'local'

    def __init__(self, root):
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise SubuserError('repository directory %s does not exist' % root)

    def _real(self, relpath, where):
        relpath = check_relative_path(relpath or '.', where)
        full = os.path.join(self.root, relpath) if relpath else self.root
        real = os.path.realpath(full)
        if real != self.root and not real.startswith(self.root + os.sep):
            raise UnsafePathError('%s: "%s" is a symlink pointing outside the repository' % (where, relpath))
        if in_git_dir(os.path.relpath(real, self.root).replace(os.sep, '/')):
            raise UnsafePathError('%s: "%s" is a symlink into .git' % (where, relpath))
        return real

    def isdir(self, relpath, where='path'):
        return os.path.isdir(self._real(relpath, where))

    def isfile(self, relpath, where='path'):
        return os.path.isfile(self._real(relpath, where))

    def read(self, relpath, where='path'):
        path = self._real(relpath, where)
        try:
            return _read_file(path)
        except OSError as exc:
            raise SubuserError('%s: cannot read %s: %s' % (where, relpath, exc.strerror or exc))

    def subdirs(self, relpath, where='path'):
        path = self._real(relpath, where)
        try:
            with os.scandir(path) as entries:
                return sorted(entry.name for entry in entries
                              if entry.name != '.git' and entry.is_dir(follow_symlinks=True))
        except OSError as exc:
            raise SubuserError('%s: cannot list %s: %s' % (where, relpath or '.', exc.strerror or exc))

    def files(self, relpath, where='build context'):
        """Every file under a directory (symlinks as links), sorted, without .git."""
        top = self._real(relpath, where)
        entries = []
        stack = [('', top)]
        while stack:
            prefix, directory = stack.pop()
            with os.scandir(directory) as listing:
                for item in listing:
                    if item.name == '.git':
                        continue
                    rel = join(prefix, item.name)
                    if item.is_dir() and not item.is_symlink():
                        stack.append((rel, item.path))
                        continue
                    entry = _local_entry(rel, item)
                    if entry is not None:
                        entries.append(entry)
        entries.sort(key=lambda e: e.relpath)
        return entries


class GitTree:
    """A repository read from the git objects of one commit (nothing is checked out).

    Directory listings are indexed once per tree object by the git client, so look-ups cost
    O(1) per path part; symlinks are followed inside the repository and refused when they
    point outside.
    """

    kind = 'git'

    def __init__(self, repo, commit):
        self.repo = repo
        self.commit = commit
        self._root = TreeEntry('', TREE_MODE, repo.commit_info(commit)['tree'])

    def close(self):
        self.repo.close()

    def _follow(self, item, done, where, relpath):
        """The path parts a symlink at ``done + item`` points to, from the root."""
        target = self.repo.symlink_target(item)
        shown = join(*done, item.name)
        if target.startswith('/'):
            raise UnsafePathError('%s: "%s" is a symlink pointing outside the repository (%s)' % (where, shown, target))
        joined = posixpath.normpath(join('/'.join(done), target))
        if joined == '..' or joined.startswith('../'):
            raise UnsafePathError('%s: "%s" is a symlink pointing outside the repository (%s)' % (where, shown, target))
        return [] if joined == '.' else joined.split('/')

    def _lookup(self, relpath, where, follow_last=True):
        """The tree entry at a path (following symlinks), or None when nothing is there."""
        relpath = check_relative_path(relpath or '.', where)
        parts = relpath.split('/') if relpath else []
        hops = 0
        done = []
        current = self._root
        while parts:
            part = parts.pop(0)
            item = self.repo.list_tree(current.sha).get(part) if current.is_tree else None
            if item is None:
                return None
            if item.is_symlink and (parts or follow_last):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise UnsafePathError('%s: too many levels of symlinks at "%s"' % (where, relpath))
                parts = self._follow(item, done, where, relpath) + parts
                done = []
                current = self._root
                continue
            done.append(part)
            current = item
        return current

    def isdir(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        return item is not None and item.is_tree

    def isfile(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        return item is not None and item.kind == 'blob'

    def read(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        if item is None or item.kind != 'blob':
            raise SubuserError('%s: %s does not exist at commit %s' % (where, relpath, self.commit))
        return self.repo.read_blob(item.sha)

    def _directory(self, relpath, where):
        top = self._lookup(relpath, where)
        if top is None or not top.is_tree:
            raise SubuserError('%s: %s is not a directory at commit %s' % (where, relpath or '.', self.commit))
        return top

    def _is_linked_dir(self, relpath, where):
        try:
            return self.isdir(relpath, where)
        except SubuserError:
            return False

    def subdirs(self, relpath, where='path'):
        names = []
        for name, child in self.repo.list_tree(self._directory(relpath, where).sha).items():
            if child.is_tree or (child.is_symlink and self._is_linked_dir(join(relpath, name), where)):
                names.append(name)
        return sorted(names)

    def _entry(self, rel, item):
        if item.is_symlink:
            kind = 'symlink'
        elif item.is_executable:
            kind = 'executable'
        else:
            kind = 'file'
        return FileEntry(rel, kind, item.sha, lambda sha=item.sha: self.repo.read_blob(sha))

    def files(self, relpath, where='build context'):
        entries = []
        stack = [('', self._directory(relpath, where))]
        while stack:
            prefix, tree = stack.pop()
            for name, item in self.repo.list_tree(tree.sha).items():
                rel = join(prefix, name)
                if item.is_tree:
                    stack.append((rel, item))
                elif item.kind == 'blob':
                    entries.append(self._entry(rel, item))
                # submodules (commits) are not part of a build context
        entries.sort(key=lambda e: e.relpath)
        return entries
