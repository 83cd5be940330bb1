# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.converter: conversion decisions on a fake daemon, and the apptainer back
end end to end with a stand-in apptainer. No Docker daemon, no Apptainer."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import converter, labels as sif_labels, sif_format
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError


def test_converter_up_to_date_and_reasons(tmp_path, write_sif, fake_client, converter_params):
    dest = tmp_path / 'x.sif'
    info = {'Id': 'sha256:' + '1' * 64, 'Config': {}, 'Architecture': 'amd64', 'RepoDigests': []}
    labels = {sif_labels.LABEL_SOURCE_ID: info['Id'], sif_labels.LABEL_COMPRESSION: 'gzip',
              sif_labels.LABEL_SIF_IMAGE_ID: 'u'}
    meta = {'data': {'attributes': {'labels': labels}}, 'type': 'container'}
    write_sif(dest, [(6, 'inspect-metadata.json', json.dumps(meta).encode(), b''),
                     (4, 'rootfs', bytes(64), struct.pack('<ii3s', 1, 2, b'02\0'))])
    side = {'source_image_id': info['Id'], 'size': dest.stat().st_size, 'image_id': 'u', 'sha256': 's'}
    (tmp_path / 'x.sif.json').write_text(json.dumps(side))
    client = fake_client({'casa/x:1': info})
    result = converter.SingularityConverter(converter_params(dest), client, check_mode=True).run()
    assert not result['changed'] and result['build_reason'] is None
    result = converter.SingularityConverter(converter_params(dest, compression='zstd'), client, check_mode=True).run()
    assert result['changed'] and 'compression changed' in result['build_reason']
    other = dict(info, Id='sha256:' + '2' * 64)
    result = converter.SingularityConverter(converter_params(dest), fake_client({'casa/x:1': other}), True).run()
    assert result['changed'] and 'source image changed' in result['build_reason']
    assert result['diff']['before']['source_image_id'] == info['Id']
    assert result['diff']['after'] == {'source_image_id': other['Id'], 'sha256': None, 'size': None}
    result = converter.SingularityConverter(converter_params(dest, force=True), client, True).run()
    assert result['build_reason'] == 'force=true'
    # A stale side file is repaired without converting.
    (tmp_path / 'x.sif.json').write_text('{}')
    result = converter.SingularityConverter(converter_params(dest), client, True).run()
    assert result['changed'] and not result['converted']
    assert 'Would rewrite the side file' in result['actions'][0]
    # A malformed side file is repaired the same way, not reported.
    (tmp_path / 'x.sif.json').write_text('{"size": ')
    result = converter.SingularityConverter(converter_params(dest), client, True).run()
    assert result['changed'] and 'side file missing or unreadable' in result['actions'][0]


def test_converter_missing_source(tmp_path, fake_client, converter_params):
    with pytest.raises(SifError, match='not in the Docker daemon'):
        converter.SingularityConverter(converter_params(tmp_path / 'x.sif'), fake_client({})).run()
    result = converter.SingularityConverter(converter_params(tmp_path / 'x.sif', pull=True), fake_client({}), check_mode=True).run()
    assert result['changed'] and result['actions'][-1].startswith('Would pull casa/x:1')
    with pytest.raises(SifError, match='directory of dest'):
        converter.SingularityConverter(converter_params(tmp_path / 'no' / 'x.sif'), fake_client({})).run()


def test_converter_pending_source_in_check_mode(tmp_path, fake_client, converter_params):
    # A whole release's dry run: the image stage would build the image, the SIF directory is not
    # made yet. Converting it is predicted; without check mode pending changes nothing.
    dest = tmp_path / 'sif' / 'x.sif'
    result = converter.SingularityConverter(converter_params(dest, pending=True), fake_client({}), check_mode=True).run()
    assert result['changed'] and not result['converted']
    assert result['actions'] == ['Would convert casa/x:1 once an earlier task built it']
    assert not (tmp_path / 'sif').exists()
    # The image there now is not the one that would be converted: still "would convert".
    info = {'Id': 'sha256:' + '1' * 64, 'Config': {}, 'Architecture': 'amd64'}
    result = converter.SingularityConverter(converter_params(dest, pending=True), fake_client({'casa/x:1': info}),
                                            check_mode=True).run()
    assert result['changed'] and result['actions'][0].startswith('Would convert casa/x:1')
    with pytest.raises(SifError, match='directory of dest'):
        converter.SingularityConverter(converter_params(dest, pending=True), fake_client({})).run()


def test_converter_dest_not_a_file_and_partial_results(tmp_path, fake_client, converter_params):
    (tmp_path / 'x.sif').mkdir()
    stale = tmp_path / ('.x.sif%s%d-abc' % ('.casa-sif-tmp-', 2 ** 22 + 12345))
    stale.mkdir()
    info = {'Id': 'sha256:' + '1' * 64, 'Config': {}, 'Architecture': 'amd64'}
    runner = converter.SingularityConverter(converter_params(tmp_path / 'x.sif'), fake_client({'casa/x:1': info}))
    with pytest.raises(SifError, match='exists and is not a regular file'):
        runner.run()
    partial = runner.partial_results()
    assert partial['changed'] and 'left by an interrupted conversion' in partial['actions'][0]
    assert partial['source_image_id'] == info['Id'] and not stale.exists()


def test_apptainer_backend_end_to_end(tmp_path, monkeypatch, fake_apptainer, fake_client, converter_params):
    info = {'Id': 'sha256:' + '3' * 64, 'Config': {'Labels': {'a': 'b'}}, 'Architecture': 'amd64',
            'RepoDigests': ['casa/x@sha256:' + '4' * 64]}
    dest = tmp_path / 'out' / 'x.sif'
    dest.parent.mkdir()
    client = fake_client({'casa/x:1': info})
    params = converter_params(dest, backend='auto', compression='zstd')
    result = converter.SingularityConverter(params, client).run()
    assert result['changed'] and result['converted'] and result['backend'] == 'apptainer'
    labels = sif_format.sif_labels_of(str(dest))
    assert labels[sif_labels.LABEL_SOURCE_ID] == info['Id']
    assert labels[sif_labels.LABEL_SOURCE_DIGEST] == 'sha256:' + '4' * 64
    assert labels['org.label-schema.usage.apptainer.version'] == 'fake'
    assert result['metadata']['backend'] == 'apptainer' and result['metadata']['compression'] == 'zstd'
    assert sorted(os.listdir(str(dest.parent))) == ['x.sif', 'x.sif.json']  # work directory removed
    again = converter.SingularityConverter(params, client).run()
    assert not again['changed']
    monkeypatch.setenv('FAKE_APPTAINER_FAIL', '1')
    with pytest.raises(SifError, match='apptainer build failed.*fake build failure'):
        converter.SingularityConverter(converter_params(dest, backend='apptainer', force=True), client).run()
    assert sorted(os.listdir(str(dest.parent))) == ['x.sif', 'x.sif.json']
    # v2 files are added to an up-to-date SIF, once.
    monkeypatch.delenv('FAKE_APPTAINER_FAIL')
    v2 = converter.SingularityConverter(dict(params, v2_files=True), client).run()
    assert v2['changed'] and not v2['converted'] and (dest.parent / 'x.sif.dockerid').read_text() == info['Id']
    assert not converter.SingularityConverter(dict(params, v2_files=True), client).run()['changed']


class ArchiveClient:
    """A Docker client whose one image is saved as a small docker-archive."""

    docker_host = 'unix:///fake.sock'

    def __init__(self, info, archive):
        self.info = info
        self.archive = archive

    def inspect_image(self, reference):
        return self.info if reference == 'casa/x:1' else None

    def image_id(self, reference):
        return self.info['Id']

    def saved_image(self, reference, chunk_size=1 << 20):
        assert reference == self.info['Id']
        return [self.archive[:100], self.archive[100:]]


def small_archive():
    def tar_of(members):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.mtime = 1000
                if data is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        return buf.getvalue()
    layers = [tar_of([('etc', None), ('etc/hostname', b'image\n'), ('busybox', b'\x7fELF')]),
              tar_of([('etc', None), ('etc/.wh.gone', b'')])]
    manifest = [{'Config': 'c.json', 'RepoTags': None, 'Layers': ['0/layer.tar', '1/layer.tar']}]
    return tar_of([('0/layer.tar', layers[0]), ('1/layer.tar', layers[1]), ('c.json', b'{}'),
                   ('manifest.json', json.dumps(manifest).encode())])


@pytest.mark.skipif(not (shutil.which('sqfstar') and shutil.which('siftool')), reason='needs sqfstar and siftool')
def test_native_conversion_is_reproducible(tmp_path, monkeypatch, converter_params):
    monkeypatch.delenv('SOURCE_DATE_EPOCH', raising=False)
    info = {'Id': 'sha256:' + '5' * 64, 'Architecture': 'amd64', 'Created': '2024-05-01T12:00:00.5Z',
            'Config': {'Entrypoint': ['/busybox', 'echo'], 'Cmd': ['hi'], 'Env': ['PATH=/bin']}}
    client = ArchiveClient(info, small_archive())
    results = []
    for name in ('a.sif', 'b.sif'):
        result = converter.SingularityConverter(converter_params(tmp_path / name, jobs=1 if name == 'a.sif' else 2),
                                                client).run()
        assert result['converted']
        results.append(result)
    first, second = (tmp_path / 'a.sif').read_bytes(), (tmp_path / 'b.sif').read_bytes()
    assert first == second  # byte for byte, whatever the number of jobs
    assert first.startswith(b'#!/usr/bin/env run-singularity\n')
    assert (tmp_path / 'a.sif').stat().st_mode & 0o777 == 0o755
    side = results[0]['metadata']
    assert side['source_date_epoch'] == 1714564800 and side['image_id'] == results[1]['metadata']['image_id']
    assert sif_format.read_sif(str(tmp_path / 'a.sif'))['id'] == side['image_id']
    labels = sif_format.sif_labels_of(str(tmp_path / 'a.sif'))
    assert labels['org.label-schema.build-date'] == 'Wednesday_01_May_2024_12:00:00_UTC'
    assert labels[sif_labels.LABEL_SOURCE_DATE_EPOCH] == '1714564800'
    # The side file is rewritten with the same field when it goes missing.
    (tmp_path / 'a.sif.json').unlink()
    again = converter.SingularityConverter(converter_params(tmp_path / 'a.sif'), client).run()
    assert again['changed'] and not again['converted'] and again['metadata']['source_date_epoch'] == 1714564800
    # SOURCE_DATE_EPOCH sets the time stamp instead of the image's creation time.
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '86400')
    result = converter.SingularityConverter(converter_params(tmp_path / 'c.sif'), client).run()
    assert result['metadata']['source_date_epoch'] == 86400
    assert result['metadata']['image_id'] != side['image_id']
    assert (tmp_path / 'c.sif').read_bytes() != first
