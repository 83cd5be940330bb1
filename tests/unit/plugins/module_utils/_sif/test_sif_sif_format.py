# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.sif_format: reading SIF files back (corrupt, truncated)."""

from __future__ import annotations

import json
import struct

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import labels, sif_format
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError


def test_read_sif_labels(tmp_path, write_sif):
    meta = {'data': {'attributes': {'labels': {labels.LABEL_SOURCE_ID: 'sha256:1'}}}, 'type': 'container'}
    partition = struct.pack('<ii3s', 1, 2, b'02\0')
    path = tmp_path / 'x.sif'
    write_sif(path, [(1, 'deffile', b'bootstrap: docker\n', b''),
                     (6, 'inspect-metadata.json', json.dumps(meta).encode(), b''),
                     (4, 'rootfs', b'hsqs' + bytes(100), partition)])
    info = sif_format.read_sif(str(path))
    assert info['arch'] == '02'
    assert [d['datatype'] for d in info['descriptors']] == [1, 6, 4]
    assert info['descriptors'][2]['parttype'] == 2
    assert sif_format.sif_labels_of(str(path)) == {labels.LABEL_SOURCE_ID: 'sha256:1'}


def test_read_sif_labels_object_and_unreadable_metadata(tmp_path, write_sif):
    partition = struct.pack('<ii3s', 1, 2, b'02\0')
    path = tmp_path / 'labels.sif'
    write_sif(path, [(3, 'labels', b'{"a": "b"}', b''), (4, 'rootfs', bytes(8), partition)])
    assert sif_format.sif_labels_of(str(path)) == {'a': 'b'}
    bad = tmp_path / 'bad-meta.sif'
    write_sif(bad, [(6, 'inspect-metadata.json', b'{"data": ', b''), (4, 'rootfs', bytes(8), partition)])
    with pytest.raises(SifError, match='unreadable inspect metadata'):
        sif_format.sif_labels_of(str(bad))
    wrong = tmp_path / 'wrong-meta.sif'
    write_sif(wrong, [(6, 'inspect-metadata.json', b'[1]', b''), (4, 'rootfs', bytes(8), partition)])
    with pytest.raises(SifError, match='unreadable inspect metadata'):
        sif_format.sif_labels_of(str(wrong))


def test_read_sif_rejects_corrupt_and_truncated(tmp_path, write_sif):
    bad = tmp_path / 'bad.sif'
    bad.write_bytes(b'not a SIF at all\n' * 20)
    with pytest.raises(SifError, match='not a SIF'):
        sif_format.read_sif(str(bad))
    short = tmp_path / 'short.sif'
    short.write_bytes(b'x')
    with pytest.raises(SifError, match='not a SIF'):
        sif_format.read_sif(str(short))
    truncated = tmp_path / 'truncated.sif'
    write_sif(truncated, [(4, 'rootfs', bytes(100000), struct.pack('<ii3s', 1, 2, b'02\0'))], truncate=60000)
    with pytest.raises(SifError, match='truncated'):
        sif_format.read_sif(str(truncated))
    nopart = tmp_path / 'nopart.sif'
    write_sif(nopart, [(1, 'deffile', b'x', b'')])
    with pytest.raises(SifError, match='no filesystem partition'):
        sif_format.sif_labels_of(str(nopart))
    with pytest.raises(SifError, match='Cannot read'):
        sif_format.read_sif(str(tmp_path / 'missing.sif'))


def test_assemble_sif_refuses_an_unknown_architecture(tmp_path, monkeypatch):
    monkeypatch.setattr(sif_format, 'find_tool', lambda name, hint=None: '/bin/false')
    with pytest.raises(SifError, match='no SIF code'):
        sif_format.assemble_sif(str(tmp_path / 'x.sif'), 'rootfs.sqfs', 'vax', 'def', [], str(tmp_path))


def test_assemble_sif_runs_siftool_through_process(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(sif_format, 'find_tool', lambda name, hint=None: '/usr/bin/siftool')
    monkeypatch.setattr(sif_format, 'run', lambda argv, what=None, **kwargs: calls.append((argv, what, kwargs)))
    out = str(tmp_path / 'x.sif')
    sif_format.assemble_sif(out, 'rootfs.sqfs', 'arm64', 'bootstrap: x\n', [('a.json', b'{}')], str(tmp_path))
    assert [what for dummy, what, dummy_kw in calls] == [
        'siftool new', 'siftool add (definition file)', 'siftool add (a.json)', 'siftool add (system partition)']
    assert calls[-1][0][calls[-1][0].index('--partarch') + 1] == '4'
    assert all(kwargs == {'output_path': out} for dummy, dummy_what, kwargs in calls)
    assert (tmp_path / 'deffile').read_text() == 'bootstrap: x\n'


def test_seal_sif_sets_launch_line_id_and_times(tmp_path, write_sif):
    path = tmp_path / 'x.sif'
    write_sif(path, [(1, 'deffile', b'bootstrap: docker\n', b''),
                     (4, 'rootfs', b'hsqs' + bytes(100), struct.pack('<ii3s', 1, 2, b'02\0'))])
    raw = bytearray(path.read_bytes())
    raw[0:32] = b'#!'.ljust(32, b'\0')  # as siftool leaves it
    path.write_bytes(bytes(raw))
    sif_id = '152c64e8-f43e-5447-82db-666dc0092a25'
    sif_format.seal_sif(str(path), sif_id, 1714564800)
    data = path.read_bytes()
    assert data.startswith(b'#!/usr/bin/env run-singularity\n\0')
    header = sif_format._SIF_HEADER.unpack_from(data)
    assert header[5:7] == (1714564800, 1714564800)
    info = sif_format.read_sif(str(path))
    assert info['id'] == sif_id and len(info['descriptors']) == 2
    for index in range(header[8]):
        fields = sif_format._SIF_DESCRIPTOR.unpack_from(data, header[9] + index * sif_format._SIF_DESCRIPTOR.size)
        assert fields[8:10] == (1714564800, 1714564800)
    # Everything else is untouched.
    assert data[header[9]:] != b'' and info['descriptors'][1]['size'] == 104


def test_seal_sif_of_a_missing_file(tmp_path):
    with pytest.raises(SifError, match='Cannot finish the SIF'):
        sif_format.seal_sif(str(tmp_path / 'none.sif'), '152c64e8-f43e-5447-82db-666dc0092a25', 0)
