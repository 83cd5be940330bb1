# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The subuser_repo module end to end: options in, exit_json/fail_json out, with a fake Docker
client in place of the daemon."""

from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.module_utils._process import run
from ansible_collections.casa.distro.plugins.modules import subuser_repo


def write(root, relpath, text):
    path = os.path.join(str(root), relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text if isinstance(text, str) else json.dumps(text))


def source(root, name, image_file='Dockerfile', text='FROM debian\n', permissions=None):
    write(root, '%s/permissions.json' % name, permissions if permissions is not None else {'description': name})
    write(root, '%s/image/%s' % (name, image_file), text)


class FakeDockerClient:
    """Stands for _docker.DockerClient: images by tag, shared by every instance of a test."""

    images = {}
    builds = []
    fail_on = None

    def __init__(self, **options):
        self.options = options

    def inspect_image(self, reference):
        return self.images.get(reference)

    def build(self, context_dir, tag, dockerfile='Dockerfile', labels=None, network_mode=None, nocache=False,
              on_line=None):
        if on_line:
            on_line('Step 1/1 : building %s' % tag)
        if self.fail_on and self.fail_on in tag:
            raise _docker.BuildError('Build of %s failed at step 2/2: RUN false' % tag,
                                     failed_step='RUN false', build_log_tail=['boom'])
        image_id = 'sha256:%064d' % (len(self.builds) + 1)
        self.builds.append(tag)
        self.images[tag] = {'Id': image_id, 'Config': {'Labels': dict(labels or {})}}
        return image_id, []


@pytest.fixture
def docker(monkeypatch):
    monkeypatch.setattr(FakeDockerClient, 'images', {})
    monkeypatch.setattr(FakeDockerClient, 'builds', [])
    monkeypatch.setattr(FakeDockerClient, 'fail_on', None)
    monkeypatch.setattr(_docker, 'DockerClient', FakeDockerClient)
    return FakeDockerClient


def run_module(capsys, args):
    """main() with ``args``: (failed, result)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            subuser_repo.main()
    result = json.loads(capsys.readouterr().out)
    return info.value.code != 0, result


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / 'images'
    source(root, 'base')
    source(root, 'app', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE base\nRUN true\n', {'gui': True})
    write(root, 'broken/permissions.json', '{"x11": true,\n "gui": }')
    write(root, 'broken/image/Dockerfile', 'FROM debian\n')
    return root


def test_inspect_reports_sources_and_order(capsys, repo):
    failed, result = run_module(capsys, {'path': str(repo)})
    assert not failed and result['changed'] is False
    assert [s['name'] for s in result['sources']] == ['app', 'base', 'broken']
    assert [i.split('@')[0] for i in result['build_order']] == ['base', 'app']
    assert result['invalid'] == ['broken@%s/' % repo]
    app = [s for s in result['sources'] if s['name'] == 'app'][0]
    assert app['permission_level'] == 'moderate' and app['lineage'] == ['base@%s/' % repo]
    assert result['repository']['kind'] == 'local'


def test_build_then_nothing_to_do(capsys, repo, docker):
    args = {'operation': 'build', 'path': str(repo), 'sources': ['app'], 'image_prefix': 'p/'}
    failed, result = run_module(capsys, args)
    assert not failed and result['changed'] is True
    assert [i['name'] for i in result['images']] == ['base', 'app']
    assert [i['built'] for i in result['images']] == [True, True]
    assert result['images'][1]['parent_image_id'] == result['images'][0]['image_id']
    assert 'diff' not in result  # only under --diff
    assert len(result['actions']) == 2
    failed, again = run_module(capsys, args)
    assert not failed and again['changed'] is False and len(docker.builds) == 2
    assert [i['build_reason'] for i in again['images']] == [None, None]


def test_build_output_goes_to_the_live_log_and_to_the_result_under_verbose(capsys, repo, docker, tmp_path):
    path = str(tmp_path / 'logs' / 'subuser.log')
    failed, result = run_module(capsys, {'operation': 'build', 'path': str(repo), 'sources': ['app'],
                                         'image_prefix': 'p/', 'log_path': path, '_ansible_verbosity': 1})
    assert not failed and result['log_path'] == path
    assert result['log_lines'][0].startswith('--- building base@') and ' as p/' in result['log_lines'][0]
    with open(path) as handle:
        assert 'Step 1/1 : building p/' in handle.read()
    failed, quiet = run_module(capsys, {'operation': 'build', 'path': str(repo), 'sources': ['app'],
                                        'image_prefix': 'p/', 'log_path': path})
    assert not failed and 'log_lines' not in quiet and quiet['log_path'] == path


def test_build_check_mode_builds_nothing(capsys, repo, docker):
    failed, result = run_module(capsys, {'operation': 'build', 'path': str(repo), 'sources': ['app'],
                                         '_ansible_check_mode': True, '_ansible_diff': True})
    assert not failed and result['changed'] is True and docker.builds == []
    assert [i['status'] for i in result['images']] == ['would be built'] * 2
    assert set(result['diff']['before'].values()) == {None}


def test_build_failure_keeps_images_built_before(capsys, repo, docker):
    docker.fail_on = '/app:'
    failed, result = run_module(capsys, {'operation': 'build', 'path': str(repo), 'sources': ['app']})
    assert failed
    assert 'RUN false' in result['msg'] and result['failed_step'] == 'RUN false'
    assert [i['name'] for i in result['images']] == ['base']  # built before the failure
    assert result['images'][0]['built'] is True
    assert [i.split('@')[0] for i in result['build_order']] == ['base', 'app']


def test_build_of_invalid_source_fails_with_its_file(capsys, repo, docker):
    failed, result = run_module(capsys, {'operation': 'build', 'path': str(repo), 'sources': ['broken']})
    assert failed
    assert 'Cannot build broken@' in result['msg'] and 'permissions.json:2:9' in result['msg']
    assert result['invalid'] == ['broken@%s/' % repo]  # the report comes with the failure
    assert docker.builds == []


def test_unknown_source_fails_cleanly(capsys, repo):
    failed, result = run_module(capsys, {'path': str(repo), 'sources': ['nope']})
    assert failed and result['msg'].startswith('No image source nope in repository')


def test_missing_docker_library(capsys, repo, monkeypatch):
    monkeypatch.setattr(_docker, 'HAS_DOCKER', False)
    monkeypatch.setattr(_docker, 'DOCKER_IMPORT_ERROR', ImportError('no docker'))
    failed, result = run_module(capsys, {'operation': 'build', 'path': str(repo)})
    assert failed and "Failed to import the required Python library (docker)" in result['msg']


def test_bad_publish_spec_fails(capsys, tmp_path):
    failed, result = run_module(capsys, {'operation': 'publish', 'publish': {
        'dest': str(tmp_path / 'none.git'),
        'sources': [{'name': 'a', 'image': 'x', 'permissions': {'x11': True, 'gui': True}}]}})
    assert failed and 'mutually exclusive' in result['msg']


def test_publish_then_inspect_through_git(capsys, tmp_path):
    dest = tmp_path / 'dest.git'
    run(['git', 'init', '-q', '--bare', '-b', 'main', str(dest)])
    publish = {'dest': str(dest), 'image_sources_dir': 'images', 'sources': [
        {'name': 'hello', 'image': 'debian:bookworm', 'permissions': {'description': 'hi', 'webcam': True}},
        {'name': 'child', 'parent': 'hello', 'permissions': {'description': 'child'}}]}
    failed, predicted = run_module(capsys, {'operation': 'publish', 'publish': publish, '_ansible_check_mode': True})
    assert not failed and predicted['changed'] and not predicted['published']['pushed']
    assert predicted['actions'][0].startswith('Would commit .subuser.json, images/child/image/SubuserImagefile')
    failed, published = run_module(capsys, {'operation': 'publish', 'publish': publish})
    assert not failed and published['changed'] and published['published']['pushed']
    assert published['published']['branch'] == 'master' and published['published']['commit_before'] is None
    failed, again = run_module(capsys, {'operation': 'publish', 'publish': publish})
    assert not failed and not again['changed'] and again['published']['commit'] == published['published']['commit']
    url = 'file://%s' % dest
    failed, inspected = run_module(capsys, {'url': url, 'cache_dir': str(tmp_path / 'cache')})
    assert not failed and inspected['repository']['commit'] == published['published']['commit']
    assert inspected['build_order'] == ['hello@' + url, 'child@' + url]
    assert inspected['repository']['default_branch'] == 'master'


def test_inspect_reports_executable_level_and_docker_from(capsys, tmp_path):
    root = tmp_path / 'repo'
    source(root, 'tool', permissions={'executable': '/usr/bin/tool', 'x11': True})
    source(root, 'lib', 'Dockerfile', 'FROM libx11@default\nRUN true\n')
    failed, result = run_module(capsys, {'path': str(root)})
    assert not failed
    by_name = {s['name']: s for s in result['sources']}
    assert by_name['tool']['executable'] == '/usr/bin/tool' and by_name['tool']['permission_level'] == 'liberal'
    assert by_name['lib']['executable'] is None and by_name['lib']['permission_level'] == 'conservative'
    assert by_name['lib']['invalid_docker_from'] == [{'line': 1, 'reference': 'libx11@default'}]
    assert 'lib/image/Dockerfile:1: "FROM libx11@default" is not a Docker image reference' in str(result['warnings'])


@pytest.mark.parametrize('operation', ['inspect', 'build'])
def test_permissions_symlink_out_of_the_repository_fails(capsys, tmp_path, docker, operation):
    """Security (issue 9, item 4): it was dropped with a warning; now the task fails, builds nothing."""
    write(tmp_path / 'outside', 'secret.json', {'description': 'not ours'})
    root = tmp_path / 'repo'
    source(root, 'fine')
    source(root, 'evil')
    os.unlink(str(root / 'evil' / 'permissions.json'))
    os.symlink(str(tmp_path / 'outside' / 'secret.json'), str(root / 'evil' / 'permissions.json'))
    failed, result = run_module(capsys, {'operation': operation, 'path': str(root), 'image_prefix': 'p/'})
    assert failed and 'evil/permissions.json" is a symlink pointing outside the repository' in result['msg']
    assert docker.builds == []


def test_publish_image_sources_dir_git_fails_and_pushes_nothing(capsys, tmp_path):
    """Security (issue 9, item 4): image_sources_dir .git was committed and pushed."""
    dest = tmp_path / 'dest.git'
    run(['git', 'init', '-q', '--bare', '-b', 'master', str(dest)])
    failed, result = run_module(capsys, {'operation': 'publish', 'publish': {
        'dest': str(dest), 'image_sources_dir': '.git',
        'sources': [{'name': 'a', 'image': 'debian', 'permissions': {}}]}})
    assert failed and result['msg'] == 'publish image_sources_dir: ".git" is inside .git, which is git\'s own data, not the repository\'s content'
    assert run(['git', '--git-dir', str(dest), 'for-each-ref']).text == ''


@pytest.mark.parametrize('names', [['blender-base', 'libx11'], ['libx11', 'blender-base']])
def test_default_inspected_as_itself(capsys, tmp_path, names):
    """Issue 10 §5: the default repository inspected as itself, as the EXAMPLES do."""
    root = tmp_path / 'default'
    source(root, 'libx11')
    source(root, 'blender-base', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libx11@default\n')
    failed, result = run_module(capsys, {'path': str(root), 'sources': names, 'repositories': {'default': str(root)}})
    assert not failed
    display = result['repository']['display']
    by_name = {s['name']: s for s in result['sources']}
    assert by_name['libx11']['parent'] is None and by_name['libx11']['lineage'] == []
    assert by_name['blender-base']['parent'] == 'libx11@' + display
    assert result['build_order'] == ['libx11@' + display, 'blender-base@' + display]
    assert result['dependencies'] == [] and result['repositories'] == []
