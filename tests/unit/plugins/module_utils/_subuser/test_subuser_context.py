# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._subuser.context import apply_dockerignore, context_hash, stage_context
from ansible_collections.casa.distro.plugins.module_utils._subuser.trees import LocalTree


def test_dockerignore_keeps_itself_and_the_dockerfile(tmp_path, write):
    write(tmp_path, 'Dockerfile', 'FROM debian\n')
    write(tmp_path, '.dockerignore', '# logs\n*\n!keep\n')
    write(tmp_path, 'keep', '1')
    write(tmp_path, 'drop', '2')
    kept = apply_dockerignore(LocalTree(str(tmp_path)).files(''))
    assert [e.relpath for e in kept] == ['.dockerignore', 'Dockerfile', 'keep']


def test_hash_follows_content_kind_and_path(tmp_path, write):
    write(tmp_path, 'a/Dockerfile', 'FROM debian\n')
    write(tmp_path, 'b/Dockerfile', 'FROM debian\n')
    tree = LocalTree(str(tmp_path))
    assert context_hash(tree.files('a')) == context_hash(tree.files('b'))
    os.chmod(str(tmp_path / 'b' / 'Dockerfile'), 0o755)
    assert context_hash(tree.files('a')) != context_hash(tree.files('b'))
    assert context_hash(tree.files('a')).startswith('sha256:')


def test_stage_context_writes_modes_and_links(tmp_path, write):
    write(tmp_path, 'src/bin/tool', '#!/bin/sh\n')
    os.chmod(str(tmp_path / 'src' / 'bin' / 'tool'), 0o700)
    write(tmp_path, 'src/data', 'x')
    os.symlink('data', str(tmp_path / 'src' / 'link'))
    destination = tmp_path / 'staged'
    destination.mkdir()
    stage_context(LocalTree(str(tmp_path / 'src')).files(''), str(destination))
    assert os.stat(str(destination / 'bin' / 'tool')).st_mode & 0o777 == 0o755
    assert os.stat(str(destination / 'data')).st_mode & 0o777 == 0o644
    assert os.readlink(str(destination / 'link')) == 'data'
