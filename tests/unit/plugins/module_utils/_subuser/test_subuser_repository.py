# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git


@pytest.mark.parametrize('version,expected,ref', [
    ('0.6.2', 'bop', 'refs/heads/subuser-0.6'),
    ('0.10', 'bip', 'refs/heads/trunk'),   # numeric: 0.10 is newer than 0.6
    ('0.5', 'bap', 'refs/heads/old'),
])
def test_git_constraints_from_default_branch(git_repo, tmp_path, version, expected, ref):
    repository = open_git('file://%s' % git_repo, str(tmp_path / 'cache'), subuser_version=version)
    assert repository.default_branch == 'trunk'   # found, not assumed master
    assert list(repository.sources) == [expected]
    assert repository.ref == ref
    if version == '0.6.2':
        assert repository.constraint['index'] == 1 and repository.constraint['read_at'] == 'trunk'
        assert repository.config == {'image-sources-dir': '.'}  # re-read at the selected ref


def test_git_pinned_tag_and_commit(git_repo, tmp_path, git):
    cache = str(tmp_path / 'cache')
    by_tag = open_git('file://%s' % git_repo, cache, version='v0.6')
    assert list(by_tag.sources) == ['bop'] and by_tag.ref == 'refs/tags/v0.6'
    commit = git(git_repo, 'rev-parse', 'old')
    by_commit = open_git('file://%s' % git_repo, cache, version=commit[:10], update=False)
    assert list(by_commit.sources) == ['bap'] and by_commit.commit == commit
    with pytest.raises(SubuserError, match='not a branch, tag or commit'):
        open_git('file://%s' % git_repo, cache, version='nope', update=False)


def test_git_fetch_failure_is_clean(tmp_path):
    with pytest.raises(SubuserError, match='Cannot fetch git repository'):
        open_git('file://%s/nothing' % tmp_path, str(tmp_path / 'cache'))
