# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The casa_release_plan module end to end: options in, exit_json/fail_json out, with a fake git
client (remotes held in memory) in place of git."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from ansible.module_utils.testing import patch_module_args

from ansible_collections.casa.distro.plugins.module_utils._git.client import GitError, TreeEntry
from ansible_collections.casa.distro.plugins.module_utils._release_plan import working_clone
from ansible_collections.casa.distro.plugins.modules import casa_release_plan

FILE_MODE, LINK_MODE, TREE_MODE = 0o100644, 0o120000, 0o040000


def sha(*parts):
    return hashlib.sha1(repr(parts).encode()).hexdigest()


class FakeRemote:
    """A remote in memory: commits (files, parents, message), heads and tags."""

    def __init__(self):
        self.commits = {}
        self.heads = {}
        self.tags = {}
        self.pushes = []

    def commit(self, files, parent=None, message='commit'):
        commit = sha(sorted(files.items()), parent, message)
        self.commits[commit] = {'files': dict(files), 'parents': [parent] if parent else [], 'message': message}
        return commit


class FakeRepo:
    """Stands for _git.GitRepo: a working clone that shares its remote's objects."""

    remotes = {}
    opened = []

    def __init__(self, remote, url):
        self.remote = remote
        self.url = url
        self.local_tags = {}

    @classmethod
    def working_clone(cls, url, path, env=None, where='url'):
        cls.opened.append(url)
        return cls(cls.remotes[url], url)

    def close(self):
        pass

    def has_commit(self, commit):
        return commit in self.remote.commits

    def fetch_branches(self, branches):
        pass

    def commit_info(self, commit):
        found = self.remote.commits[commit]
        return {'sha': commit, 'tree': 'tree:%s:' % commit, 'parents': found['parents'], 'message': found['message']}

    def _entries(self, commit, directory):
        entries = {}
        prefix = directory + '/' if directory else ''
        for path, value in self.remote.commits[commit]['files'].items():
            if not path.startswith(prefix):
                continue
            name, slash, dummy = path[len(prefix):].partition('/')
            if slash:
                entries[name] = TreeEntry(name, TREE_MODE, 'tree:%s:%s' % (commit, prefix + name))
            else:
                mode = LINK_MODE if isinstance(value, tuple) else FILE_MODE
                entries[name] = TreeEntry(name, mode, 'blob:%s:%s' % (commit, prefix + name))
        return entries

    def list_tree(self, tree):
        dummy, commit, directory = tree.split(':', 2)
        return self._entries(commit, directory)

    def entry(self, commit, path):
        directory, dummy, name = path.rpartition('/')
        return self._entries(commit, directory).get(name)

    def symlink_target(self, entry):
        dummy, commit, path = entry.sha.split(':', 2)
        return self.remote.commits[commit]['files'][path][1]

    def read_file(self, commit, path):
        value = self.remote.commits[commit]['files'].get(path)
        return value.encode() if isinstance(value, str) else None

    def is_ancestor(self, ancestor, descendant):
        while descendant:
            if descendant == ancestor:
                return True
            parents = self.remote.commits[descendant]['parents']
            descendant = parents[0] if parents else None
        return False

    def commit_files(self, parent, files, message):
        changed = dict(self.remote.commits[parent]['files'])
        changed.update((path, data.decode()) for path, data in files.items())
        return self.remote.commit(changed, parent, message)

    def tag(self, name, commit, message, force=True):
        self.local_tags[name] = commit

    def push(self, refspecs, force_with_lease=None):
        source, dummy, destination = refspecs.partition(':')
        self.remote.pushes.append(refspecs)
        if destination.startswith('refs/tags/'):
            self.remote.tags[destination[len('refs/tags/'):]] = self.local_tags[source[len('refs/tags/'):]]
            return []
        branch = destination[len('refs/heads/'):]
        if force_with_lease and (self.remote.heads.get(branch) or None) != (force_with_lease[1] or None):
            raise GitError('git push failed (rc=1): rejected', reason='%s [rejected] (stale info)' % refspecs, stderr='')
        self.remote.heads[branch] = source
        return []


def fake_ls_remote(url, env=None, where='url'):
    remote = FakeRepo.remotes[url]
    return {'head': 'main', 'heads': dict(remote.heads), 'tags': dict(remote.tags)}


@pytest.fixture
def remotes(monkeypatch):
    """Two remotes: soma (main one fix ahead of latest_release, same version) and aims (identical)."""
    soma = FakeRemote()
    released = soma.commit({'VERSION': '1.0.0\n', 'link/x': ('link', '..')})
    soma.heads = {'main': soma.commit({'VERSION': '1.0.0\n', 'fix': 'x', 'link/x': ('link', '..')}, released), 'latest_release': released}
    aims = FakeRemote()
    cmake = ('set(BRAINVISA_PACKAGE_VERSION_MAJOR 2)\n'
             'set(BRAINVISA_PACKAGE_VERSION_MINOR 0)\n'
             'set(BRAINVISA_PACKAGE_VERSION_PATCH 1)\n')
    aims.heads = {'main': aims.commit({'project_info.cmake': cmake})}
    aims.heads['latest_release'] = aims.heads['main']
    monkeypatch.setattr(FakeRepo, 'remotes', {'https://git.example.org/soma.git': soma, 'https://git.example.org/aims.git': aims})
    monkeypatch.setattr(FakeRepo, 'opened', [])
    monkeypatch.setattr(working_clone, 'GitRepo', FakeRepo)
    monkeypatch.setattr(working_clone, 'ls_remote', fake_ls_remote)
    return FakeRepo.remotes


def run_module(capsys, args, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            casa_release_plan.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def files(tmp_path):
    components = tmp_path / 'components.yml'
    components.write_text('components:\n'
                          '  - {name: soma-base, project: soma, url: "https://git.example.org/soma.git"}\n'
                          '  - {name: aims-free, project: aims, url: "https://git.example.org/aims.git"}\n')
    return {'components_file': str(components), 'plan_file': str(tmp_path / 'plan.yml'), 'work_dir': str(tmp_path / 'work')}


def test_create_then_apply(capsys, remotes, files):
    created = run_module(capsys, dict(files, command='create'))
    assert created['changed'] and not created.get('failed')
    assert created['summary']['todo'] == 1 and created['summary']['nothing'] == 1
    assert created['actions'] == ['soma/soma-base: todo', 'aims/aims-free: nothing']
    assert created['plan']['projects']['soma']['soma-base']['planned_version'] == '1.0.1'
    assert 'diff' not in created
    dry = run_module(capsys, dict(files, command='apply'), check_mode=True)
    assert dry['changed'] and len(dry['actions']) == 3 and all(a.startswith('would ') for a in dry['actions'])
    assert remotes['https://git.example.org/soma.git'].pushes == []
    applied = run_module(capsys, dict(files, command='apply'))
    soma = remotes['https://git.example.org/soma.git']
    assert applied['changed'] and applied['summary']['done'] == 1
    assert soma.tags == {'1.0.0': created['plan']['projects']['soma']['soma-base']['latest_release']['commit']}
    assert soma.heads['main'] == soma.heads['latest_release']
    assert soma.commits[soma.heads['main']]['files']['VERSION'] == '1.0.1\n'
    assert soma.commits[soma.heads['main']]['message'].startswith('Upgrade version from 1.0.0 to 1.0.1 (release plan)\n')
    again = run_module(capsys, dict(files, command='apply'))
    assert not again['changed'] and again['actions'] == []


@pytest.mark.parametrize('url', ['--upload-pack=touch PWNED; false', 'ext::sh -c touch% PWNED'])
def test_a_url_git_would_run_fails_before_any_git(capsys, remotes, files, url):
    with open(files['components_file'], 'a') as handle:
        handle.write('  - {name: evil, project: x, url: "%s"}\n' % url)
    result = run_module(capsys, dict(files, command='create'))
    assert result['failed']
    assert result['msg'].startswith('%s: components[2]: component evil: url: %r is not a valid git repository URL'
                                    % (files['components_file'], url))
    assert result['component'] == 'evil' and result['value'] == url and result['file'] == files['components_file']
    assert FakeRepo.opened == []


@pytest.mark.parametrize('value', ['/etc/cron.d/evil', '../../.bashrc', '.git/hooks/post-checkout'])
@pytest.mark.parametrize('check_mode', [True, False])
def test_a_plan_writing_out_of_the_repository_is_refused(capsys, remotes, files, value, check_mode):
    run_module(capsys, dict(files, command='create'))
    with open(files['plan_file']) as handle:
        plan = yaml.safe_load(handle)
    entry = plan['projects']['soma']['soma-base']
    entry['version_file'] = value
    entry['actions'][1]['file'] = value
    with open(files['plan_file'], 'w') as handle:
        yaml.safe_dump(plan, handle)
    result = run_module(capsys, dict(files, command='apply'), check_mode=check_mode)
    assert result['failed']
    assert result['msg'].startswith("%s: projects.soma.soma-base: component soma-base: version_file %r refused: "
                                    % (files['plan_file'], value))
    assert result['key'] == 'version_file' and result['value'] == value and result['component'] == 'soma-base'
    assert remotes['https://git.example.org/soma.git'].pushes == []


def test_a_version_file_through_a_symlink_is_refused_at_apply(capsys, remotes, files):
    run_module(capsys, dict(files, command='create'))
    with open(files['plan_file']) as handle:
        plan = yaml.safe_load(handle)
    entry = plan['projects']['soma']['soma-base']
    entry['version_file'] = entry['actions'][1]['file'] = 'link/x/VERSION'
    with open(files['plan_file'], 'w') as handle:
        yaml.safe_dump(plan, handle)
    for check_mode in (True, False):
        result = run_module(capsys, dict(files, command='apply'), check_mode=check_mode)
        assert result['failed'] and 'goes through a symlink' in result['msg']
        assert result['msg'].startswith('%s: projects.soma.soma-base.actions[1].file: component soma-base: '
                                        "version_file 'link/x/VERSION' refused" % files['plan_file'])
    assert remotes['https://git.example.org/soma.git'].pushes == []


def test_a_moved_remote_fails_with_what_was_read(capsys, remotes, files):
    run_module(capsys, dict(files, command='create'))
    soma = remotes['https://git.example.org/soma.git']
    soma.heads['main'] = soma.commit({'VERSION': '1.0.0\n', 'fix': 'y'}, soma.heads['main'])
    result = run_module(capsys, dict(files, command='apply'))
    assert result['failed'] and result['moved'] == ['soma-base']
    assert 'moved since the plan was made: soma-base (branch main' in result['msg']
    assert result['plan_file'] == files['plan_file'] and result['summary']['todo'] == 1 and result['actions'] == []


def test_publish_in_check_mode_writes_nothing(capsys, remotes, files, tmp_path):
    run_module(capsys, dict(files, command='create'))
    report = tmp_path / 'report.md'
    result = run_module(capsys, dict(plan_file=files['plan_file'], command='publish', markdown_report=str(report)), check_mode=True)
    assert result['changed'] and result['actions'] == ['would write markdown report %s' % report]
    assert result['reports'] == {'markdown': str(report)} and not report.exists()


def test_missing_plan_file_fails_cleanly(capsys, files):
    result = run_module(capsys, dict(plan_file=files['plan_file'], command='publish', html_report='x.html'))
    assert result['failed'] and result['msg'] == 'plan_file %s does not exist; make it with command=create' % files['plan_file']
    assert result['file'] == files['plan_file']


def test_a_token_in_a_url_appears_in_no_result_plan_or_report(capsys, remotes, files, monkeypatch):
    secret = 'https://bot:S3cretT0ken@git.example.org/soma.git'
    public = 'https://bot@git.example.org/soma.git'
    remotes[public] = remotes.pop('https://git.example.org/soma.git')
    seen_envs = []
    monkeypatch.setattr(working_clone, 'ls_remote', lambda url, env=None, where='url': seen_envs.append(env) or fake_ls_remote(url))
    with open(files['components_file'], 'w') as handle:
        handle.write('components:\n  - {name: soma-base, project: soma, url: "%s"}\n' % secret)
    report = files['plan_file'] + '.md'
    results = [run_module(capsys, dict(files, command=command, markdown_report=report)) for command in ('create', 'publish', 'apply')]
    assert [result.get('failed', False) for result in results] == [False, False, False]
    assert results[0]['plan']['projects']['soma']['soma-base']['url'] == public
    for text in [json.dumps(results), open(files['plan_file']).read(), open(report).read()]:
        assert 'S3cretT0ken' not in text
    # git gets the secret URL through its environment only.
    assert seen_envs and all(env['GIT_CONFIG_KEY_0'] == 'url.%s.insteadOf' % secret for env in seen_envs)
