# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The working clone of a component, against a real local bare remote: reads, bump commits,
pushes, and the refusal of a version file reached through a symlink (issue 9)."""

from __future__ import annotations

import os
import shutil

import pytest

from ansible_collections.casa.distro.plugins.module_utils._git.client import git_environment, run_git
from ansible_collections.casa.distro.plugins.module_utils._release_plan.apply import Applier
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import resolve_in_tree
from ansible_collections.casa.distro.plugins.module_utils._release_plan.working_clone import WorkingClone, remote_refs

pytestmark = pytest.mark.skipif(shutil.which('git') is None, reason='git is not installed')

ENV = git_environment('tester', 'tester@example.org')


@pytest.fixture
def bare(tmp_path):
    """A bare remote whose main holds VERSION 1.0, a symlink ``up`` to .. and ``inner`` to src."""
    source = tmp_path / 'src'
    (source / 'src').mkdir(parents=True)
    (source / 'VERSION').write_text('1.0\n')
    (source / 'src' / 'VERSION').write_text('1.0\n')
    os.symlink('..', str(source / 'up'))
    os.symlink('src', str(source / 'inner'))
    run_git(['init', '-q', '-b', 'main', str(source)], env=ENV)
    run_git(['add', '-A'], cwd=str(source), env=ENV)
    run_git(['commit', '-q', '-m', 'one'], cwd=str(source), env=ENV)
    remote = str(tmp_path / 'remote.git')
    run_git(['clone', '-q', '--bare', str(source), remote], env=ENV)
    return remote


def head(remote):
    return remote_refs(remote, ENV)['heads']['main']


def test_read_bump_and_push(tmp_path, bare):
    commit = head(bare)
    with WorkingClone(str(tmp_path / 'work'), 'comp', bare, ENV) as clone:
        clone.ensure_commits({'main': commit})
        assert clone.read(commit, 'VERSION') == '1.0\n'
        assert 'VERSION' in clone.candidates(commit)
        new = clone.commit_version(commit, 'VERSION', '1.0', '1.0.1', 'bump\n')
        assert clone.commit_info(new)['parents'] == [commit]
        clone.push('%s:refs/heads/main' % new)
        assert clone.read(new, 'VERSION') == '1.0.1\n'
        with pytest.raises(ReleasePlanError, match=r'comp: git push .*:refs/heads/main failed: .*\(.*:refs/heads/main \[rejected\] \(stale info\)\)'):
            clone.push('%s:refs/heads/main' % commit, ('refs/heads/main', commit))
        with pytest.raises(ReleasePlanError, match='comp: nothing does not exist at commit'):
            clone.read(commit, 'nothing')
    assert head(bare) == new


def test_links_are_read_from_the_tree(tmp_path, bare):
    commit = head(bare)
    with WorkingClone(str(tmp_path / 'work'), 'comp', bare, ENV) as clone:
        clone.ensure_commits({'main': commit})
        links = clone.link_targets(commit)
        assert resolve_in_tree('up/VERSION', links) is None
        assert resolve_in_tree('inner/VERSION', links) == 'src/VERSION'
        assert resolve_in_tree('VERSION', links) == 'VERSION'


@pytest.mark.parametrize('path', ['up/VERSION', 'up/up/etc/passwd', 'inner/VERSION'])
@pytest.mark.parametrize('check_mode', [True, False])
def test_apply_refuses_a_version_file_through_a_symlink(tmp_path, bare, path, check_mode):
    commit = head(bare)
    entry = {'url': bare, 'state': 'todo', 'version_file': path,
             'bug_fix': {'branch': 'main', 'commit': commit, 'version': '1.0'},
             'latest_release': {'branch': 'latest_release', 'commit': None, 'version': None},
             'actions': [{'action': 'set_version', 'branch': 'main', 'file': path, 'from_version': '1.0', 'version': '1.0.1',
                          'parent': commit, 'result_commit': None, 'status': 'pending'}]}
    applier = Applier({'projects': {'p': {'comp': entry}}}, 'plan.yml', str(tmp_path / 'work'), ENV, check_mode=check_mode)
    with WorkingClone(str(tmp_path / 'work'), 'comp', bare, ENV) as clone:
        clone.ensure_commits({'main': commit})
        with pytest.raises(ReleasePlanError) as caught:
            applier.check_version_files('p', 'comp', entry, clone)
    assert str(caught.value).startswith("plan.yml: projects.p.comp.actions[0].file: component comp: version_file %r refused: "
                                        "it goes through a symlink" % path)
    assert caught.value.details == {'file': 'plan.yml', 'component': 'comp', 'key': 'projects.p.comp.actions[0].file', 'value': path}
    with pytest.raises(ReleasePlanError, match='goes through a symlink'):
        applier._check_bumps([('p', 'comp', entry)])
    assert head(bare) == commit


def test_a_url_git_would_run_never_reaches_git(tmp_path):
    marker = tmp_path / 'PWNED'
    for url in ('--upload-pack=touch %s; false' % marker, 'ext::sh -c touch% ' + str(marker)):
        with pytest.raises(Exception, match='is not a valid git repository URL'):
            remote_refs(url, ENV)
        with pytest.raises(Exception, match='is not a valid git repository URL'):
            WorkingClone(str(tmp_path / 'work'), 'comp', url, ENV)
    assert not marker.exists()
