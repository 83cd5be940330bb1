# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The casa_docker_image module end to end: options in, exit_json/fail_json out, with a fake
Docker client in place of the daemon."""

from __future__ import annotations

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.modules import casa_docker_image


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)


class FakeDockerClient:
    """Stands for _docker.DockerClient: images by reference and ID, shared by every instance of
    a test (the module builds its own client)."""

    docker_host = 'unix:///fake/docker.sock'
    images = {}
    builds = []
    fail_on = None
    unreachable = False

    def __init__(self, **options):
        if self.unreachable:
            raise _docker.DockerError('Cannot connect to the Docker daemon at %s: connection refused'
                                      % options.get('docker_host'), docker_host=options.get('docker_host'))
        self.options = options

    def inspect_image(self, reference):
        info = self.images.get(reference)
        if info is None:
            info = next((i for i in self.images.values() if i['Id'] == reference), None)
        return info

    def image_id(self, reference):
        info = self.inspect_image(reference)
        return info['Id'] if info else None

    def tag(self, image_id, repository, tag):
        self.images['%s:%s' % (repository, tag)] = self.inspect_image(image_id)

    def build(self, context_dir, tag, labels=None, **options):
        if self.fail_on and self.fail_on in tag:
            raise _docker.BuildError('Building %s failed at Step 2/2 : RUN false: returned a non-zero code: 1' % tag,
                                     failed_step='Step 2/2 : RUN false', build_log_tail=['about to fail'])
        image_id = 'sha256:%064d' % (len(self.builds) + 1)
        self.builds.append(tag)
        self.images[tag] = {'Id': image_id, 'Config': {'Labels': dict(labels or {})}, 'RepoDigests': []}
        return image_id, []


@pytest.fixture
def docker(monkeypatch):
    monkeypatch.setattr(FakeDockerClient, 'images', {'base/debian:12': {'Id': 'sha256:' + 'b' * 64, 'Config': {}}})
    monkeypatch.setattr(FakeDockerClient, 'builds', [])
    monkeypatch.setattr(FakeDockerClient, 'fail_on', None)
    monkeypatch.setattr(FakeDockerClient, 'unreachable', False)
    monkeypatch.setattr(_docker, 'DockerClient', FakeDockerClient)
    return FakeDockerClient


@pytest.fixture
def recipes(tmp_path):
    root = tmp_path / 'recipes'
    write(str(root / 'run' / 'casa_distro_docker.yaml'), 'image_sources: [{name: run, tags: ["1"]}]\n')
    write(str(root / 'run' / 'Dockerfile'), 'FROM base/debian:12\n')
    write(str(root / 'dev' / 'casa_distro_docker.yaml'), 'dependencies: [../run]\nimage_sources: [{name: dev, tags: ["1"]}]\n')
    write(str(root / 'dev' / 'Dockerfile'), 'FROM reg/run:1\nRUN false\n')
    return str(root)


def run_module(capsys, args):
    """main() with ``args``: (failed, result)."""
    args = dict({'context_hash_cache': ''}, **args)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            casa_docker_image.main()
    result = json.loads(capsys.readouterr().out)
    return info.value.code != 0, result


def test_build_then_no_change(capsys, docker, recipes):
    failed, result = run_module(capsys, {'recipes': recipes, 'name_prefix': 'reg/'})
    assert not failed and result['changed']
    assert docker.builds == ['reg/run:1', 'reg/dev:1']
    assert [image['build_reason'] for image in result['images']] == ['image not in the daemon'] * 2
    assert 'diff' not in result
    failed, again = run_module(capsys, {'recipes': recipes, 'name_prefix': 'reg/'})
    assert not failed and not again['changed'] and again['actions'] == []


def test_diff_only_under_diff_mode(capsys, docker, recipes):
    _failed, result = run_module(capsys, {'recipes': recipes, 'name_prefix': 'reg/', '_ansible_diff': True})
    assert result['diff']['before'] == {'reg/run:1': None, 'reg/dev:1': None}
    assert result['diff']['after']['reg/dev:1'] == docker.images['reg/dev:1']['Id']


def test_check_mode_builds_nothing(capsys, docker, recipes):
    failed, result = run_module(capsys, {'recipes': recipes, 'name_prefix': 'reg/', '_ansible_check_mode': True})
    assert not failed and result['changed'] and docker.builds == []
    assert result['images'][1]['build_reason'] == 'parent reg/run:1 would be rebuilt'


def test_failed_build_reports_step_log_and_what_was_done(capsys, docker, recipes):
    docker.fail_on = 'reg/dev'
    failed, result = run_module(capsys, {'recipes': recipes, 'name_prefix': 'reg/'})
    assert failed
    assert 'returned a non-zero code' in result['msg']
    assert result['failed_step'] == 'Step 2/2 : RUN false' and result['build_log_tail'] == ['about to fail']
    assert result['changed'] and [image['name'] for image in result['images']] == ['reg/run', 'reg/dev']
    assert result['images'][0]['built'] and 'diff' not in result
    assert 'Traceback' not in json.dumps(result)


def test_recipe_errors_fail_cleanly(capsys, docker, recipes):
    write(os.path.join(recipes, 'run', 'casa_distro_docker.yaml'), 'dependencies: [../nowhere]\nimage_sources: [{name: run}]\n')
    # A dependency path that exists nowhere is a warning, as casa-distro v2 ignored it (issue 10).
    _failed, result = run_module(capsys, {'recipes': recipes, '_ansible_check_mode': True})
    assert [w for w in result['ignored_dependencies'] if 'nowhere' in w and 'run:latest' in w and 'does not exist' in w]
    assert [w for w in result['warnings'] if 'nowhere' in w['event']['msg']]
    write(os.path.join(recipes, 'run', 'casa_distro_docker.yaml'), 'image_sources: [{name: run, tags: 1.5}]\n')
    failed, result = run_module(capsys, {'recipes': recipes})
    assert failed and 'casa_distro_docker.yaml: image_sources[0].tags: expected a list of string or integer tags, got a number 1.5' in result['msg']
    write(os.path.join(recipes, 'run', 'casa_distro_docker.yaml'), 'image_sources: [{name: run}]\n')
    failed, result = run_module(capsys, {'recipes': recipes, 'image_names': ['nothing*']})
    assert failed and 'matches image_names' in result['msg']
    failed, result = run_module(capsys, {'name': 'reg/x', 'tags': ['-bad tag'], 'path': recipes})
    assert failed and "invalid tag '-bad tag'" in result['msg']
    assert 'exception' not in result


def test_unreachable_daemon(capsys, docker):
    docker.unreachable = True
    failed, result = run_module(capsys, {'name': 'reg/x', 'source': 'local', 'docker_host': 'unix:///nonexistent/docker.sock'})
    assert failed and 'unix:///nonexistent/docker.sock' in result['msg']
    assert result['docker_host'] == 'unix:///nonexistent/docker.sock'
    assert 'images' not in result


def test_argument_rules(capsys, docker, recipes):
    failed, result = run_module(capsys, {'name': 'reg/x', 'recipes': recipes})
    assert failed and 'mutually exclusive' in result['msg']
    failed, result = run_module(capsys, {'name': 'reg/x', 'source': 'bootstrap'})
    assert failed and 'bootstrap' in result['msg']


def test_missing_docker_sdk(capsys, docker, monkeypatch):
    monkeypatch.setattr(_docker, 'HAS_DOCKER', False)
    monkeypatch.setattr(_docker, 'DOCKER_IMPORT_ERROR', ImportError('No module named docker'))
    failed, result = run_module(capsys, {'name': 'reg/x', 'source': 'local'})
    assert failed and 'Failed to import the required Python library (docker)' in result['msg']


def test_two_roots_and_pull_policies_through_the_module(capsys, docker, recipes, tmp_path, monkeypatch):
    other = tmp_path / 'user'
    write(str(other / 'extra' / 'casa_distro_docker.yaml'), "dependencies: ['../dev']\nimage_sources: [{name: extra, tags: ['1']}]\n")
    write(str(other / 'extra' / 'Dockerfile'), 'FROM reg/dev:1\n')
    docker.fail_on = 'reg/dev'
    failed, result = run_module(capsys, {'recipes': [recipes, str(other)], 'name_prefix': 'reg/', 'pull': 'never',
                                         '_ansible_check_mode': True})
    assert not failed and [image['name'] for image in result['images']] == ['reg/run', 'reg/dev', 'reg/extra']
    assert result['images'][2]['build_reason'] == 'parent reg/dev:1 would be rebuilt'
    asked = []
    monkeypatch.setattr(FakeDockerClient, 'registry_digest', lambda self, repository, tag, auth=None: asked.append(repository), raising=False)
    for value in (True, False, 'missing', 'always', 'yes'):
        failed, result = run_module(capsys, {'recipes': recipes, 'name_prefix': 'reg/', 'pull': value, '_ansible_check_mode': True})
        assert not failed and result['images'][0]['build_reason'] == 'image not in the daemon'
    # The base is present: only the policies that pull it always ask its registry.
    assert asked == ['base/debian'] * 3
    failed, result = run_module(capsys, {'recipes': recipes, 'pull': 'sometimes'})
    assert failed and result['msg'].startswith('pull: expected one of missing, always, never')
