# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.side_files: the casa-distro v3 side file, read back leniently."""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.casa.distro.plugins.module_utils._sif import labels, side_files


def test_side_file_data_has_casa_distro_v3_fields():
    sif_labels = {labels.LABEL_SIF_IMAGE_ID: 'u-1', labels.LABEL_COMPRESSION: 'zstd', labels.LABEL_BACKEND: 'native',
                  'org.label-schema.build-arch': 'amd64'}
    data = side_files.side_file_data('/x/casa-run-5.3.sif', sif_labels, 42, {'md5': 'm', 'sha256': 's'},
                                     {'type': 'run', 'system': 'ubuntu-22.04', 'image_version': '5.3',
                                      'origin': 'casa-system', 'origin_run': None},
                                     {'image_id': 'sha256:1', 'reference': 'r', 'digest': 'sha256:d'})
    for key in ('name', 'type', 'system', 'image_version', 'creation_time', 'size', 'md5', 'image_id',
                'build_number', 'sha256', 'source_image_id', 'source_digest', 'origin'):
        assert key in data
    assert data['name'] == 'casa-run-5.3'
    assert data['image_id'] == 'u-1'
    assert data['build_number'] is None
    assert 'origin_run' not in data  # None values are not written
    assert (data['size'], data['md5'], data['sha256']) == (42, 'm', 's')
    assert (data['source_image_id'], data['source_digest']) == ('sha256:1', 'sha256:d')


def test_atomic_write_and_side_file(tmp_path):
    sif = tmp_path / 'a.sif'
    (tmp_path / 'a.sif.json').write_text(json.dumps({'size': 1}))
    assert side_files.read_side_file(str(sif)) == {'size': 1}
    assert sorted(os.listdir(tmp_path)) == ['a.sif.json']
    # A malformed side file is ignored (and rewritten by the converter), not reported.
    (tmp_path / 'b.sif.json').write_text('{broken')
    assert side_files.read_side_file(str(tmp_path / 'b.sif')) is None
    (tmp_path / 'c.sif.json').write_text('[1, 2]')
    assert side_files.read_side_file(str(tmp_path / 'c.sif')) is None
    (tmp_path / 'd.sif.json').write_bytes(b'{"a": "\xff"}')
    assert side_files.read_side_file(str(tmp_path / 'd.sif')) is None
    assert side_files.read_side_file(str(tmp_path / 'missing.sif')) is None


def test_write_side_file_and_v2_files(tmp_path):
    sif = tmp_path / 'casa-run.sif'
    sif.write_bytes(b'content')
    data = side_files.write_side_file(str(sif), {labels.LABEL_SIF_IMAGE_ID: 'u-2'}, {'type': 'run'},
                                      {'image_id': 'sha256:9', 'reference': 'r', 'digest': None})
    written = (tmp_path / 'casa-run.sif.json').read_text()
    assert json.loads(written) == data and written.endswith('}\n')
    assert data['sha256'] == hashlib.sha256(b'content').hexdigest()
    assert data['md5'] == hashlib.md5(b'content').hexdigest()
    assert oct(os.stat(str(sif) + '.json').st_mode & 0o777) == '0o644'
    files = side_files.v2_files(str(sif), data['md5'], 'sha256:9')
    assert [path for path, dummy in files] == [str(sif) + '.md5', str(sif) + '.dockerid']
    for path, text in files:
        assert not side_files.v2_file_current(path, text)
        side_files.write_v2_file(path, text)
        assert side_files.v2_file_current(path, text)
    assert (tmp_path / 'casa-run.sif.md5').read_text() == data['md5']  # no newline
