# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.context import context_hash
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git, open_local


def test_git_reads_objects_not_worktree(git_repo, tmp_path):
    repository = open_git('file://%s' % git_repo, str(tmp_path / 'cache'), subuser_version='')
    entries = repository.tree.files('bip/image')
    assert [e.relpath for e in entries] == ['Dockerfile']
    local = open_local(str(git_repo))
    local_entries = [e for e in local.tree.files('bip/image') if e.relpath == 'Dockerfile']
    # the same content hashes alike whether read from git or from disk
    assert context_hash(entries) == context_hash(local_entries)


def test_git_symlinks(git_repo, tmp_path, git):
    repository = open_git('file://%s' % git_repo, str(tmp_path / 'cache'), version='subuser-0.6')
    assert repository.tree.isfile('escape-free-link')
    assert b'"description"' in repository.tree.read('escape-free-link')
    work = git_repo
    git(work, 'checkout', '-q', 'subuser-0.6')
    os.symlink('../../etc', str(work / 'out'))
    git(work, 'add', 'out')
    git(work, 'commit', '-q', '-m', 'escape')
    repository = open_git('file://%s' % git_repo, str(tmp_path / 'cache'), version='subuser-0.6')
    with pytest.raises(SubuserError, match='symlink pointing outside'):
        repository.tree.read('out/passwd')
