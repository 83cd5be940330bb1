# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers shared by the subuser tests: files, image sources and git repositories on disk."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._process import run


def _write(root, relpath, text):
    path = os.path.join(str(root), relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text if isinstance(text, str) else json.dumps(text))
    return path


def _source(root, name, image_file='Dockerfile', text='FROM debian\n', permissions=None, image_dir='image'):
    _write(root, '%s/permissions.json' % name, permissions if permissions is not None else {'description': name})
    _write(root, '%s/%s/%s' % (name, image_dir, image_file), text)


def _git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.org',
               GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@example.org')
    return run(['git'] + list(args), cwd=str(cwd), env=env).text.strip()


@pytest.fixture
def write():
    """write(root, relpath, text or JSON value): a file, with its directories."""
    return _write


@pytest.fixture
def source():
    """source(root, name, ...): an image source directory (permissions.json and image file)."""
    return _source


@pytest.fixture
def git():
    """git(cwd, *args): run git, its stdout stripped."""
    return _git


@pytest.fixture
def git_repo(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    _git(work, 'init', '-q', '-b', 'trunk')
    _source(work, 'bip')
    _write(work, '.subuser.json', {'subuser-version-constraints': [
        ['>=', '0.10', 'trunk'], ['>=', '0.6', 'subuser-0.6'], ['<', '0.6', 'old']]})
    _git(work, 'add', '-A')
    _git(work, 'commit', '-q', '-m', 'trunk')
    _git(work, 'checkout', '-q', '-b', 'subuser-0.6')
    _git(work, 'mv', 'bip', 'bop')
    _write(work, '.subuser.json', {'image-sources-dir': '.'})
    os.symlink('bop/permissions.json', str(work / 'escape-free-link'))
    _git(work, 'add', '-A')
    _git(work, 'commit', '-q', '-m', '0.6')
    _git(work, 'tag', 'v0.6')
    _git(work, 'checkout', '-q', 'trunk')
    _git(work, 'checkout', '-q', '-b', 'old')
    _git(work, 'mv', 'bip', 'bap')
    _git(work, 'commit', '-q', '-m', 'old')
    _git(work, 'checkout', '-q', 'trunk')
    _write(work, 'bip/image/uncommitted', 'not in git')
    return work
