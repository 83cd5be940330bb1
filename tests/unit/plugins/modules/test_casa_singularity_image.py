# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The casa_singularity_image module end to end: options in, exit_json/fail_json out, with a fake
Docker client in place of the daemon and a temporary publish directory."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.casa.distro.plugins.module_utils import _docker, _process
from ansible_collections.casa.distro.plugins.module_utils._sif import sif_format
from ansible_collections.casa.distro.plugins.modules import casa_singularity_image

IMAGE_ID = 'sha256:' + '7' * 64


class FakeDockerClient:
    """Stands for _docker.DockerClient: one image, an empty exported filesystem."""

    docker_host = 'unix:///fake.sock'
    images = {}

    def __init__(self, **options):
        self.options = options

    def inspect_image(self, reference):
        return self.images.get(reference)

    def image_id(self, reference):
        info = self.images.get(reference)
        return info['Id'] if info else None


@pytest.fixture
def docker(monkeypatch):
    monkeypatch.setattr(FakeDockerClient, 'images', {'casa/x:1': {'Id': IMAGE_ID, 'Config': {}, 'Architecture': 'amd64'}})
    monkeypatch.setattr(_docker, 'DockerClient', FakeDockerClient)
    return FakeDockerClient


def run_module(capsys, args):
    """main() with ``args``: (failed, result)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            casa_singularity_image.main()
    result = json.loads(capsys.readouterr().out)
    return info.value.code != 0, result


def sif_payload(content):
    descriptor_size = sif_format._SIF_DESCRIPTOR.size
    header = sif_format._SIF_HEADER.pack(b'#!'.ljust(32, b'\0'), b'SIF_MAGIC\0', b'01\0', b'02\0', bytes(16), 0, 0,
                                         1, 1, sif_format._SIF_HEADER.size, 0,
                                         sif_format._SIF_HEADER.size + descriptor_size, len(content))
    return header + bytes(descriptor_size) + content


def side_of(data, name='casa-run-5.3'):
    return {'name': name, 'sha256': hashlib.sha256(data).hexdigest(), 'md5': hashlib.md5(data).hexdigest(),
            'size': len(data), 'type': 'run', 'image_version': '5.3'}


def all_files(directory):
    return sorted(os.path.relpath(os.path.join(root, name), str(directory))
                  for root, dirs, files in os.walk(str(directory)) for name in files + dirs)


def test_publish_query_then_publish(tmp_path, capsys):
    data = sif_payload(b'image' * 100)
    publish_dir = tmp_path / 'www'
    publish_dir.mkdir()
    args = {'state': 'published', 'publish_dir': str(publish_dir), 'metadata': side_of(data)}
    failed, query = run_module(capsys, args)
    assert not failed and not query['changed'] and query['upload_needed']
    assert 'diff' not in query  # only under --diff
    with open(query['upload_path'], 'wb') as handle:
        handle.write(data)
    failed, done = run_module(capsys, dict(args, src=query['upload_path'], _ansible_diff=True))
    assert not failed and done['changed'] and done['published'] and done['build_number'] == 1
    assert done['diff'] == {'before': {'latest': None}, 'after': {'latest': 'casa-run-5.3-1.sif'}}
    assert (publish_dir / 'casa-run-5.3-1.sif').read_bytes() == data


def test_publish_reports_to_the_live_log(tmp_path, capsys):
    data = sif_payload(b'image' * 100)
    publish_dir = tmp_path / 'www'
    publish_dir.mkdir()
    src = tmp_path / 'casa-run.sif'
    src.write_bytes(data)
    log = tmp_path / 'logs' / 'sif.log'
    failed, done = run_module(capsys, {'state': 'published', 'publish_dir': str(publish_dir), 'src': str(src),
                                       'metadata': side_of(data), 'log_path': str(log), '_ansible_verbosity': 1})
    assert not failed and done['published'] and done['log_path'] == str(log)
    text = log.read_text()
    assert text.index('--- placing %s' % src) < text.index('Published %s as casa-run-5.3-1.sif (build 1)' % src)
    assert done['log_lines'][-1] == done['actions'][-1]


def test_publish_refuses_a_sha256_leading_out_of_publish_dir(tmp_path, capsys):
    data = sif_payload(b'image')
    publish_dir = tmp_path / 'deep' / 'er' / 'www'
    src = tmp_path / 'upload.sif'
    src.write_bytes(data)
    before = all_files(tmp_path)
    metadata = dict(side_of(data), sha256='/../../../../x')
    for extra in ({}, {'src': str(src)}):
        failed, result = run_module(capsys, dict({'state': 'published', 'publish_dir': str(publish_dir),
                                                  'metadata': metadata}, **extra))
        assert failed and not result['changed']
        assert result['msg'].startswith("Invalid sha256 '/../../../../x' in metadata")
        assert result['field'] == 'sha256'
    assert all_files(tmp_path) == before


def test_publish_with_retention_and_the_v2_layout(tmp_path, capsys):
    publish_dir = tmp_path / 'www'
    for number in range(1, 4):
        data = sif_payload(b'build %d' % number)
        src = tmp_path / ('upload-%d.sif' % number)
        src.write_bytes(data)
        failed, done = run_module(capsys, {'state': 'published', 'publish_dir': str(publish_dir), 'src': str(src),
                                           'metadata': side_of(data), 'keep_builds': 2, 'v2_files': True})
        assert not failed and done['published'] and done['build_number'] == number
    assert done['removed_builds'] == ['casa-run-5.3-1.sif']
    assert [build['file'] for build in done['builds']] == ['casa-run-5.3-2.sif', 'casa-run-5.3-3.sif']
    assert (publish_dir / 'casa-run-5.3.simg.md5').read_text() == side_of(data)['md5']
    assert os.readlink(str(publish_dir / 'casa-run-5.3.simg')) == 'casa-run-5.3-3.sif'
    assert '<td><a href="casa-run-5.3-3.sif">casa-run-5.3-3.sif</a></td>' in (publish_dir / 'index.html').read_text()
    failed, result = run_module(capsys, {'state': 'published', 'publish_dir': str(publish_dir),
                                         'metadata': side_of(data), 'keep_builds': 0})
    assert failed and result['msg'].startswith('keep_builds must be at least 1') and result['field'] == 'keep_builds'


def test_publish_reports_a_side_file_of_the_wrong_shape(tmp_path, capsys):
    src = tmp_path / 'img.sif'
    src.write_bytes(sif_payload(b'x'))
    (tmp_path / 'img.sif.json').write_text(json.dumps({'name': 'img', 'size': 'big'}))
    failed, result = run_module(capsys, {'state': 'published', 'publish_dir': str(tmp_path / 'www'), 'src': str(src)})
    assert failed and 'img.sif.json (the side file) is missing or unreadable' in result['msg']
    assert 'size: expected an integer of at least 0 or null, got a string' in result['msg']
    assert result['file'] == str(src) + '.json' and not (tmp_path / 'www').exists()


def test_publish_refuses_a_src_that_is_not_a_sif(tmp_path, capsys):
    src = tmp_path / 'garbage.sif'
    src.write_bytes(b'garbage')
    failed, result = run_module(capsys, {'state': 'published', 'publish_dir': str(tmp_path / 'www'),
                                         'metadata': {'name': 'img'}, 'src': str(src)})
    assert failed and 'is not a SIF file' in result['msg'] and result['src'] == str(src)
    assert not (tmp_path / 'www').exists()


def test_convert_missing_source(tmp_path, capsys, docker):
    failed, result = run_module(capsys, {'image': 'casa/missing:1', 'dest': str(tmp_path / 'x.sif')})
    assert failed and 'casa/missing:1 is not in the Docker daemon at unix:///fake.sock' in result['msg']
    assert result['image'] == 'casa/missing:1' and 'exception' not in result


def test_convert_check_mode_says_what_it_would_do(tmp_path, capsys, docker):
    failed, result = run_module(capsys, {'image': 'casa/x:1', 'dest': str(tmp_path / 'x.sif'), 'backend': 'native',
                                         '_ansible_check_mode': True, '_ansible_diff': True})
    assert not failed and result['changed'] and not result['converted']
    assert result['build_reason'] == 'no SIF at %s' % (tmp_path / 'x.sif')
    assert result['diff']['after'] == {'source_image_id': IMAGE_ID, 'sha256': None, 'size': None}
    assert os.listdir(str(tmp_path)) == []


def test_convert_without_sqfstar_fails_cleanly(tmp_path, capsys, docker, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path / 'nothing'))
    monkeypatch.setattr(_process, 'EXTRA_TOOL_DIRS', ())
    dest = tmp_path / 'out' / 'x.sif'
    dest.parent.mkdir()
    failed, result = run_module(capsys, {'image': 'casa/x:1', 'dest': str(dest), 'backend': 'native'})
    assert failed and result['msg'] == 'sqfstar is not installed on this host (package squashfs-tools, version 4.5 or later)'
    assert result['tool'] == 'sqfstar' and result['source_image_id'] == IMAGE_ID
    assert os.listdir(str(dest.parent)) == []  # no work directory left


def test_missing_docker_library(tmp_path, capsys, docker, monkeypatch):
    monkeypatch.setattr(_docker, 'HAS_DOCKER', False)
    monkeypatch.setattr(_docker, 'DOCKER_IMPORT_ERROR', ImportError('No module named docker'))
    failed, result = run_module(capsys, {'image': 'casa/x:1', 'dest': str(tmp_path / 'x.sif')})
    assert failed and 'Failed to import the required Python library (docker)' in result['msg']
    # Publication needs no Docker library.
    failed, result = run_module(capsys, {'state': 'published', 'publish_dir': str(tmp_path / 'www'),
                                         'metadata': side_of(b'x')})
    assert not failed and result['upload_needed']
