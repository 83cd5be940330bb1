# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A component's remote and its working clone under work_dir, as the release plan uses them:
the git client (_git) with the plan's own messages ("<component>: git push <url> <refspec>
failed: ...") and checks (a version file reached through a symlink)."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._git.client import GitError, GitRepo, ls_remote
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import short
from ansible_collections.casa.distro.plugins.module_utils._release_plan.version_files import read_version, version_file_candidates, write_version
from ansible_collections.casa.distro.plugins.module_utils._versions import Version


def complaint(exc):
    """git's complaint on one line: its stderr (a hook's message included), and the refs it
    rejected when stderr does not say why."""
    reason = getattr(exc, 'reason', None) or str(exc)
    stderr = exc.details.get('stderr') if isinstance(exc, CasaError) else None
    text = ' '.join(line.strip() for line in (stderr or '').splitlines() if line.strip())
    if not text:
        return reason
    return text if reason in text else '%s (%s)' % (text, reason)


def remote_refs(url, env=None):
    """The branches, tags and default branch of remote ``url``."""
    try:
        return ls_remote(url, env)
    except GitError as exc:
        raise ReleasePlanError('cannot read remote %s: %s' % (url, complaint(exc)), url=url)


class WorkingClone:
    """The working clone of one component under work_dir, used to read files at given commits,
    make the version-bump commits and tags, and push them. A context manager."""

    def __init__(self, work_dir, name, url, env):
        self.path = os.path.join(work_dir, name)
        self.url = url
        self.name = name
        try:
            self.repo = GitRepo.working_clone(url, self.path, env=env)
        except (GitError, OSError) as exc:
            raise ReleasePlanError('%s: cannot prepare the working clone %s: %s' % (name, self.path, complaint(exc)), path=self.path)

    def close(self):
        self.repo.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def has_commit(self, commit):
        return self.repo.has_commit(commit)

    def fetch(self, branches):
        try:
            self.repo.fetch_branches(branches)
        except GitError as exc:
            raise ReleasePlanError('%s: git fetch %s failed: %s' % (self.name, self.url, complaint(exc)), url=self.url)

    def ensure_commits(self, commits_by_branch):
        """Fetch the branches whose commits are missing here; fail if they are still missing."""
        missing = dict((b, c) for b, c in commits_by_branch.items() if c and not self.has_commit(c))
        if missing:
            self.fetch(sorted(missing))
            still = [b for b, c in missing.items() if not self.has_commit(c)]
            if still:
                raise ReleasePlanError('%s: branch(es) %s of %s moved while being read; run again'
                                       % (self.name, ', '.join(still), self.url), url=self.url)

    def read(self, commit, path):
        """The text of ``path`` at ``commit`` (ReleasePlanError if absent)."""
        data = self.repo.read_file(commit, path)
        if data is None:
            raise ReleasePlanError('%s: %s does not exist at commit %s' % (self.name, path, short(commit)), file=path)
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            raise ReleasePlanError('%s: %s is not UTF-8 text' % (self.name, path), file=path)

    def _names(self, tree):
        return set(self.repo.list_tree(tree))

    def candidates(self, commit):
        """The candidate version files of the tree of ``commit`` (version_file_candidates)."""
        root = self.repo.list_tree(self.repo.commit_info(commit)['tree'])
        subdirs = {}
        for name, entry in root.items():
            if not entry.is_tree:
                continue
            subdirs[name] = self._names(entry.sha)
            if name == 'python':
                for package, child in self.repo.list_tree(entry.sha).items():
                    if child.is_tree:
                        subdirs['python/' + package] = self._names(child.sha)
        return version_file_candidates(set(root), subdirs)

    def link_targets(self, commit):
        """``link_target`` (see repo_paths.resolve_in_tree) over the tree of ``commit``."""
        def target(path):
            entry = self.repo.entry(commit, path)
            return self.repo.symlink_target(entry) if entry is not None and entry.is_symlink else None
        return target

    def is_ancestor(self, ancestor, descendant):
        return self.repo.is_ancestor(ancestor, descendant)

    def commit_info(self, commit):
        return self.repo.commit_info(commit)

    def push(self, refspec, lease=None):
        """Push ``refspec``; ``lease=(ref, commit or None)`` lets ``ref`` move only from ``commit``."""
        try:
            self.repo.push(refspec, force_with_lease=lease)
        except GitError as exc:
            raise ReleasePlanError('%s: git push %s %s failed: %s' % (self.name, self.url, refspec, complaint(exc)),
                                   url=self.url, refspec=refspec, stderr=complaint(exc))

    def tag(self, name, commit, message):
        try:
            self.repo.tag(name, commit, message)
        except GitError as exc:
            raise ReleasePlanError('%s: git tag %s failed: %s' % (self.name, name, complaint(exc)))

    def commit_version(self, parent, path, old, new, message):
        """A new commit on ``parent`` with ``path`` rewritten from version ``old`` to ``new``
        (nothing checked out, no ref moved); its id."""
        text = self.read(parent, path)
        found = read_version(path, text)
        if found != Version(old):
            raise ReleasePlanError('%s: %s holds version %s at %s, the plan says %s; run command=update'
                                   % (self.name, path, found, short(parent), old), file=path)
        try:
            return self.repo.commit_files(parent, {path: write_version(path, text, Version(new)).encode('utf-8')}, message)
        except GitError as exc:
            raise ReleasePlanError('%s: git commit failed: %s (set git_author_name and git_author_email)'
                                   % (self.name, complaint(exc)))


def open_clone(work_dir, name, url, env):
    """The WorkingClone of component ``name`` (made or reused)."""
    return WorkingClone(work_dir, name, url, env)
