# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The git client, against real repositories made with the git CLI in tmp dirs (no network)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._git import arguments as git_arguments
from ansible_collections.casa.distro.plugins.module_utils._git import client as git_client
from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._git.client import GitError, GitRepo

IDENTITY = git_client.git_environment('Casa Test', 'casa@example.org')


# ---------------------------------------------------------------------------- helpers
def git(cwd, *args, **kwargs):
    return _process.run(['git'] + list(args), cwd=str(cwd), env=IDENTITY, **kwargs).text.strip()


def write(root, relpath, data, mode=None):
    path = os.path.join(str(root), relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(path, mode)


def make_remote(tmp_path, branch='main', name='remote', version='1.2.3'):
    """A bare remote whose default branch is ``branch``, its commit and its working tree."""
    work = tmp_path / (name + '-work')
    work.mkdir()
    git(work, 'init', '-q', '-b', branch)
    write(work, 'VERSION', version + '\n')
    write(work, 'bin/run', '#!/bin/sh\n', mode=0o755)
    write(work, 'python/pkg/info.py', 'version_major = 1\n')
    os.symlink('VERSION', str(work / 'link'))
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', 'first')
    git(work, 'tag', '-a', '-m', 'Release 1.2.3', '1.2.3')
    git(work, 'tag', 'light')
    bare = tmp_path / (name + '.git')
    git(tmp_path, 'clone', '-q', '--bare', str(work), str(bare))
    return str(bare), git(work, 'rev-parse', 'HEAD'), work


@pytest.fixture
def remote(tmp_path):
    return make_remote(tmp_path)


@pytest.fixture
def recorded(monkeypatch):
    """The argv of every process run (the real run still happens)."""
    calls = []
    real = _process.run

    def spy(argv, *args, **kwargs):
        calls.append((list(argv), kwargs.get('env') or {}))
        return real(argv, *args, **kwargs)
    monkeypatch.setattr(_process, 'run', spy)
    return calls


def user_args(argv):
    """argv without git and the -c protocol options."""
    return argv[1 + len(git_client.PROTOCOL_OPTIONS):]


# ---------------------------------------------------------------------------- validation
MARKER_URLS = ['--upload-pack=touch {marker}; false', 'ext::sh -c touch% {marker}', 'fd::3', 'foo::bar',
               '-oProxyCommand=touch {marker}', 'ssh://-oProxyCommand=touch%20{marker}/x', 'me@-oProxyCommand=x:path',
               'weird://host/repo', 'https://host/x\n--upload-pack=y', '']


@pytest.mark.parametrize('template', MARKER_URLS)
def test_malicious_urls_are_refused_before_git_runs(tmp_path, monkeypatch, template):
    marker = tmp_path / 'PWNED'
    url = template.format(marker=marker)
    monkeypatch.setattr(_process, 'run', lambda *a, **k: pytest.fail('git ran for %r' % url))
    for call in (lambda: git_client.ls_remote(url, where='components.yml: components[0].url'),
                 lambda: GitRepo.clone(url, str(tmp_path / 'c'), where='components.yml: components[0].url'),
                 lambda: GitRepo.working_clone(url, str(tmp_path / 'w'), where='components.yml: components[0].url'),
                 lambda: GitRepo.mirror(url, str(tmp_path / 'm.git'), where='components.yml: components[0].url')):
        with pytest.raises(InputError) as info:
            call()
        assert info.value.msg.startswith('components.yml: components[0].url: ')
        assert 'is not a valid git repository URL' in info.value.msg
        assert 'use an https, http, ssh, git or file URL, user@host:path or a local path' in info.value.msg
    assert not marker.exists()


def test_protocol_restriction_stops_ext_even_without_validation(tmp_path):
    marker = tmp_path / 'PWNED'
    with pytest.raises(GitError) as info:
        git_client.run_git(['ls-remote', '--', 'ext::sh -c touch%% %s' % marker])
    assert "transport 'ext' not allowed" in info.value.msg
    assert not marker.exists()


def test_every_run_has_protocol_and_prompt_protection(remote, recorded):
    git_client.ls_remote(remote[0])
    argv, env = recorded[0]
    assert argv[1:1 + len(git_client.PROTOCOL_OPTIONS)] == git_client.PROTOCOL_OPTIONS
    assert 'protocol.allow=never' in argv and 'protocol.ssh.allow=always' in argv and 'protocol.https.allow=always' in argv
    assert env['GIT_TERMINAL_PROMPT'] == '0'


@pytest.mark.parametrize('name', ['main', 'feature/x', 'v1.2.3', 'refs/heads/main', 'HEAD', 'a-b_c', 'a' * 40])
def test_valid_refs(tmp_path, name):
    assert git_arguments.validate_ref(name) == name
    assert _process.run(['git', 'check-ref-format', '--allow-onelevel', name], check=False).rc == 0


def test_credentials_never_appear_in_errors(tmp_path):
    url = 'https://user:s3cret@127.0.0.1:1/repo.git'
    with pytest.raises(GitError) as info:
        git_client.ls_remote(url)
    assert 's3cret' not in repr((info.value.msg, info.value.details, info.value.reason))
    with pytest.raises(InputError) as info:
        git_arguments.validate_url('weird://user:s3cret@h/r', 'url')
    assert 's3cret' not in repr((info.value.msg, info.value.details))


def test_git_error_details(tmp_path):
    with pytest.raises(GitError) as info:
        git_client.ls_remote(str(tmp_path / 'missing'))
    error = info.value
    assert error.details['command'] == ['git', 'ls-remote', '--symref', '--', str(tmp_path / 'missing')]
    assert error.details['rc'] == 128
    assert 'does not appear to be a git repository' in error.details['stderr']
    assert error.msg.startswith('git ls-remote failed (rc=128): ')
    assert '\n' not in error.reason and 'does not appear to be a git repository' in error.reason


# ---------------------------------------------------------------------------- remotes and default branch
@pytest.mark.parametrize('branch', ['main', 'master', 'trunk'])
def test_ls_remote_and_default_branch(tmp_path, branch):
    url, commit, work = make_remote(tmp_path, branch)
    git(work, 'branch', 'other')
    git(work, 'push', '-q', url, 'other')
    remote = git_client.ls_remote(url)
    assert remote['head'] == branch
    assert remote['heads'] == {branch: commit, 'other': commit}
    assert remote['tags'] == {'1.2.3': commit, 'light': commit}   # annotated tags peeled
    assert git_client.default_branch(remote, url) == branch


def test_default_branch_rule():
    assert git_client.choose_default_branch('dev', ['main', 'dev']) == 'dev'
    assert git_client.choose_default_branch('gone', ['dev']) == 'dev'              # HEAD to a missing branch: ignored
    assert git_client.choose_default_branch(None, ['trunk']) == 'trunk'
    assert git_client.choose_default_branch(None, ['master', 'x']) == 'master'
    assert git_client.choose_default_branch(None, ['main', 'x', 'y']) == 'main'
    assert git_client.choose_default_branch(None, ['main', 'master']) is None
    assert git_client.choose_default_branch(None, ['x', 'y']) is None
    assert git_client.choose_default_branch(None, []) is None


def test_default_branch_without_advertised_head(tmp_path):
    url, commit, work = make_remote(tmp_path, 'main')
    git(work, 'push', '-q', url, 'main:master')
    git(url, 'symbolic-ref', 'HEAD', 'refs/heads/nowhere')      # HEAD not advertised any more
    remote = git_client.ls_remote(url)
    assert remote['head'] is None
    with pytest.raises(GitError, match=r'cannot tell the default branch of .* \(its HEAD is not advertised and '
                                       r'branches are main, master\); set bug_fix_branch'):
        git_client.default_branch(remote, url, hint='set bug_fix_branch')
    git(url, 'branch', '-D', 'master')
    assert git_client.default_branch(git_client.ls_remote(url), url) == 'main'


def test_user_values_come_after_double_dash(remote, tmp_path, recorded):
    url, commit = remote[0], remote[1]
    git_client.ls_remote(url)
    with GitRepo.working_clone(url, str(tmp_path / 'w'), IDENTITY) as repo:
        repo.fetch_branches(['main'])
        repo.is_ancestor(commit, commit)
        repo.tag('t1', commit, 'message')
        repo.push('refs/tags/t1:refs/tags/t1')
    for argv, dummy in recorded:
        args = user_args(argv)
        for value in (url, commit, 't1', 'refs/tags/t1:refs/tags/t1', '+refs/heads/main:refs/remotes/origin/main'):
            if value in args:
                assert '--' in args and args.index('--') < args.index(value), args


# ---------------------------------------------------------------------------- clones
def test_working_clone_is_reused_and_follows_the_url(remote, tmp_path):
    url, commit = remote[0], remote[1]
    path = str(tmp_path / 'clone')
    with GitRepo.working_clone(url, path, IDENTITY) as repo:
        assert repo.has_commit(commit)
        assert not os.path.exists(os.path.join(path, 'VERSION'))     # no checkout
    other, other_commit, dummy = make_remote(tmp_path, 'master', 'other', '2.0')
    with GitRepo.working_clone(other, path, IDENTITY) as repo:
        assert git(path, 'config', '--get', 'remote.origin.url') == other
        assert not repo.has_commit(other_commit)
        repo.fetch_branches(['master'])
        assert repo.has_commit(other_commit)
        assert repo.remote_branches() == ['main', 'master']   # main: fetched from the first URL
    existing = tmp_path / 'existing'
    existing.mkdir()
    with GitRepo.working_clone(url, str(existing), IDENTITY) as repo:    # a directory, not yet a repository
        repo.fetch_branches(['main'])
        assert repo.has_commit(commit) and not repo.has_commit('f' * 40) and not repo.has_commit('xyz')


def test_mirror_clones_fetches_and_follows_head(tmp_path):
    url, commit, work = make_remote(tmp_path, 'trunk')
    path = str(tmp_path / 'cache' / 'mirror.git')
    with GitRepo.mirror(url, path) as repo:
        assert repo.default_branch() == 'trunk'
        assert repo.branches() == ['trunk'] and repo.tags() == ['1.2.3', 'light']
    git(work, 'commit', '-q', '--allow-empty', '-m', 'second')
    git(work, 'push', '-q', url, 'trunk:main')
    git(url, 'symbolic-ref', 'HEAD', 'refs/heads/main')
    with GitRepo.mirror(url, path, update=False) as repo:
        assert repo.branches() == ['trunk']                          # not fetched
    with GitRepo.mirror(url, path) as repo:
        assert repo.branches() == ['main', 'trunk']
        assert repo.default_branch() == 'main' and repo.head_branch() == 'main'
        assert repo.resolve_branch('main') == git(work, 'rev-parse', 'HEAD')
    assert not [name for name in os.listdir(str(tmp_path / 'cache')) if name.startswith('.clone-')]


def test_clone_failure_leaves_no_mirror(tmp_path):
    with pytest.raises(GitError):
        GitRepo.mirror(str(tmp_path / 'missing'), str(tmp_path / 'cache' / 'm.git'))
    assert os.listdir(str(tmp_path / 'cache')) == []


# ---------------------------------------------------------------------------- refs and objects
def test_resolve(remote, tmp_path):
    url, commit, work = remote
    with GitRepo.mirror(url, str(tmp_path / 'm.git')) as repo:
        assert repo.resolve('main') == (commit, 'refs/heads/main')
        assert repo.resolve('1.2.3') == (commit, 'refs/tags/1.2.3')   # annotated tag peeled to its commit
        assert repo.resolve(commit) == (commit, commit)
        assert repo.resolve(commit[:7]) == (commit, commit[:7])
        assert repo.resolve('nope') is None and repo.resolve('f' * 40) is None
        with pytest.raises(InputError):
            repo.resolve('--output=x')


def test_trees_blobs_and_commit_info(remote, tmp_path):
    url, commit, work = remote
    with GitRepo.mirror(url, str(tmp_path / 'm.git')) as repo:
        info = repo.commit_info(commit)
        assert info['parents'] == [] and info['message'] == 'first\n' and info['author_email'] == 'casa@example.org'
        root = repo.list_tree(info['tree'])
        assert list(root) == ['VERSION', 'bin', 'link', 'python']
        assert root['VERSION'].mode == 0o100644 and root['VERSION'].is_file and not root['VERSION'].is_executable
        assert root['VERSION'].sha == git(work, 'rev-parse', 'HEAD:VERSION')
        assert root['bin'].is_tree and root['bin'].kind == 'tree'
        assert root['link'].is_symlink and root['link'].kind == 'blob' and repo.symlink_target(root['link']) == 'VERSION'
        assert repo.entry(commit, 'bin/run').is_executable
        assert repo.entry(commit, '').sha == info['tree']
        assert repo.entry(commit, 'python/pkg/info.py').name == 'info.py'
        assert repo.entry(commit, 'missing') is None and repo.entry(commit, 'VERSION/x') is None
        assert repo.read_file(commit, 'VERSION') == b'1.2.3\n'
        assert repo.read_file(commit, 'python') is None
        assert repo.read_blob(root['VERSION'].sha) == b'1.2.3\n'
        with pytest.raises(GitError, match='no commit'):
            repo.commit_info('f' * 40)
        with pytest.raises(GitError, match='is a commit, not a tree'):
            repo.list_tree(commit)


def test_submodule_entries(remote, tmp_path):
    url, commit, work = remote
    git(work, 'update-index', '--add', '--cacheinfo', '160000,%s,sub' % commit)
    git(work, 'commit', '-q', '-m', 'submodule')
    with GitRepo(str(work)) as repo:
        entry = repo.entry(git(work, 'rev-parse', 'HEAD'), 'sub')
        assert entry.kind == 'commit' and not entry.is_file and not entry.is_tree


def test_is_ancestor(remote, tmp_path):
    url, commit, work = remote
    git(work, 'commit', '-q', '--allow-empty', '-m', 'second')
    second = git(work, 'rev-parse', 'HEAD')
    with GitRepo(str(work)) as repo:
        assert repo.is_ancestor(commit, second) is True
        assert repo.is_ancestor(second, commit) is False
        assert repo.is_ancestor('f' * 40, commit) is None


# ---------------------------------------------------------------------------- writing
def test_commit_files_tag_and_push_with_lease(remote, tmp_path):
    url, commit = remote[0], remote[1]
    with GitRepo.working_clone(url, str(tmp_path / 'w'), IDENTITY) as repo:
        repo.fetch_branches(['main'])
        new = repo.commit_files(commit, {'VERSION': b'1.2.4\n', 'bin/run': b'#!/bin/sh\nexit 0\n', 'link': None,
                                         'new/file': b'x'}, 'Upgrade version\n\nbody\n')
        info = repo.commit_info(new)
        assert info['parents'] == [commit] and info['message'] == 'Upgrade version\n\nbody\n'
        assert info['author_name'] == 'Casa Test'
        assert repo.read_file(new, 'VERSION') == b'1.2.4\n'
        assert repo.entry(new, 'bin/run').is_executable                # the mode is kept
        assert repo.entry(new, 'link') is None and repo.read_file(new, 'new/file') == b'x'
        assert repo.read_file(new, 'python/pkg/info.py') == b'version_major = 1\n'
        assert os.listdir(repo.path) == ['.git']                       # nothing checked out
        assert git(repo.path, 'rev-parse', 'HEAD') == commit            # and no ref moved
        repo.tag('1.2.4', new, 'Release 1.2.4')
        pushed = repo.push(['refs/tags/1.2.4:refs/tags/1.2.4', '%s:refs/heads/main' % new])
        assert sorted(p['flag'] for p in pushed) == [' ', '*']
        assert git_client.ls_remote(url)['tags']['1.2.4'] == new
        repo.push('%s:refs/heads/latest_release' % new, force_with_lease=('refs/heads/latest_release', ''))
        with pytest.raises(GitError) as info:   # the lease says absent: refused
            repo.push('%s:refs/heads/latest_release' % commit, force_with_lease=('refs/heads/latest_release', None))
        assert info.value.details['rejected'] and 'stale info' in info.value.reason
        repo.push('%s:refs/heads/latest_release' % commit, force_with_lease=('refs/heads/latest_release', new))
        assert git_client.ls_remote(url)['heads']['latest_release'] == commit
        with pytest.raises(GitError, match='non-fast-forward|fetch first|rejected'):
            repo.push('%s:refs/heads/main' % commit)
        root = repo.commit_files(None, {'only': b'1'}, 'root')
        assert repo.commit_info(root)['parents'] == []
        with pytest.raises(InputError):
            repo.commit_files(commit, {'../escape': b'x'}, 'm')
        with pytest.raises(InputError):
            repo.push('--mirror')


def test_commit_without_identity_fails(remote, tmp_path, monkeypatch):
    url, commit = remote[0], remote[1]
    for name in ('GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('GIT_CONFIG_NOSYSTEM', '1')
    for key, value in (('COUNT', '1'), ('KEY_0', 'user.useConfigOnly'), ('VALUE_0', 'true')):
        monkeypatch.setenv('GIT_CONFIG_' + key, value)
    with GitRepo.working_clone(url, str(tmp_path / 'w')) as repo:
        repo.fetch_branches(['main'])
        with pytest.raises(GitError) as info:
            repo.commit_files(commit, {'VERSION': b'2\n'}, 'm')
    assert info.value.details['command'][:2] == ['git', 'commit-tree']
    assert 'email' in info.value.reason


def test_publish_flow_into_empty_and_existing_repositories(tmp_path):
    dest = str(tmp_path / 'dest.git')
    git(tmp_path, 'init', '-q', '--bare', dest)
    with GitRepo.clone(dest, str(tmp_path / 'p1'), IDENTITY, checkout=False) as repo:
        assert repo.remote_branches() == [] and repo.ls_remote(['HEAD'])['head'] is None
        repo.checkout_branch('master')
        write(repo.path, 'a/permissions.json', '{}')
        assert repo.stage_all() == ['a/permissions.json']
        first = repo.commit_staged('Publish')
        repo.push('HEAD:refs/heads/master')
    assert git_client.ls_remote(dest)['heads'] == {'master': first}
    with GitRepo.clone(dest, str(tmp_path / 'p2'), IDENTITY, checkout=False) as repo:
        assert repo.remote_branches() == ['master'] and repo.ls_remote(['HEAD'])['head'] == 'master'
        repo.checkout_branch('master', 'refs/remotes/origin/master')
        assert os.path.exists(os.path.join(repo.path, 'a', 'permissions.json'))
        assert repo.stage_all() == []
        write(repo.path, 'b c/x', 'y')
        os.unlink(os.path.join(repo.path, 'a', 'permissions.json'))
        assert repo.stage_all() == ['a/permissions.json', 'b c/x']
        second = repo.commit_staged('Again')
        assert repo.commit_info(second)['parents'] == [first]
        repo.checkout_branch('other')                                 # orphan: nothing left
        assert os.listdir(repo.path) == ['.git']
        assert repo.head_branch() == 'other'
        with pytest.raises(InputError):
            repo.checkout_branch('-b')
