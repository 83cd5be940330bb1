# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.mirror import fetch_mirror, mirror_path, resolve_ref


def test_mirror_path_is_readable_and_unique(tmp_path):
    first = mirror_path(str(tmp_path), 'https://example.org/casa/images.git')
    assert os.path.basename(first).startswith('images-') and first.endswith('.git')
    assert first == mirror_path(str(tmp_path), 'https://example.org/casa/images.git/')
    assert first != mirror_path(str(tmp_path), 'https://example.org/other/images.git')


def test_mirror_follows_the_remote_head(git_repo, tmp_path):
    repo, default = fetch_mirror('file://%s' % git_repo, str(tmp_path / 'cache'))
    with repo:
        assert default == 'trunk'
        commit, matched = resolve_ref(repo, 'v0.6', 'u')
        assert matched == 'refs/tags/v0.6' and len(commit) == 40
        with pytest.raises(SubuserError, match=r'"nope" is not a branch, tag or commit .*branches: old, subuser-0\.6, trunk'):
            resolve_ref(repo, 'nope', 'u')


def test_fetch_failure_names_the_url(tmp_path):
    url = 'file://%s/nothing' % tmp_path
    with pytest.raises(SubuserError, match='Cannot fetch git repository %s: ' % url) as info:
        fetch_mirror(url, str(tmp_path / 'cache'))
    assert info.value.details == {'url': url}
