# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.tar_stream: the filter of the exported tar stream (odd chunk sizes, PAX and
GNU long names, truncation), followed by the tree of _sif.layout."""

from __future__ import annotations

import io
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import layout, tar_stream


def make_tar(members):
    """members: (name, kind, payload) -> tar bytes, PAX format (long names use PAX headers)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == 'dir':
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif kind == 'symlink':
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            else:
                data = payload.encode() if isinstance(payload, str) else payload
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def chunked(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize('chunk', [1, 100, 512, 777, 1 << 20])
def test_filter_tar_stream_drops_and_keeps(chunk):
    long_name = 'usr/share/' + 'd' * 150 + '/file.txt'
    source = make_tar([
        ('bin', 'dir', None), ('bin/sh', 'file', 'shell'), ('.dockerenv', 'file', ''),
        ('.singularity.d', 'dir', None), ('.singularity.d/env/old.sh', 'file', 'old'),
        ('etc', 'dir', None), ('etc/hosts', 'file', '127.0.0.1 docker'), ('etc/passwd', 'file', 'root'),
        (long_name, 'file', 'x' * 3000), ('lib', 'symlink', 'usr/lib'),
    ])
    out = io.BytesIO()
    seen = tar_stream.filter_tar_stream(chunked(source, chunk), out.write)
    out.write(layout.tail_tar([('etc/hosts', 'file', 0o644, '')], seen, 0))
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert tar.extractfile(members[long_name]).read() == b'x' * 3000
        assert tar.extractfile(members['etc/hosts']).read() == b''
        assert tar.extractfile(members['bin/sh']).read() == b'shell'
    assert '.dockerenv' not in members
    assert '.singularity.d/env/old.sh' not in members
    assert members['lib'].linkname == 'usr/lib'
    # Optional base directories are added only when missing.
    assert 'proc' in members and 'tmp' in members and members['tmp'].mode == 0o1777
    assert 'bin' in members and list(members).count('etc') == 1
    assert seen.has('usr/share') and not seen.has('proc')


def test_filter_tar_stream_gnu_long_names_and_dropped_long_members():
    long_kept = 'opt/' + 'k' * 120 + '/kept'
    long_dropped = '.singularity.d/' + 'z' * 120
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.GNU_FORMAT) as tar:
        for name in (long_kept, long_dropped):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b'abc'))
    out = io.BytesIO()
    seen = tar_stream.filter_tar_stream([buf.getvalue()], out.write)
    out.write(bytes(1024))
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        assert tar.getnames() == [long_kept]
    assert seen.has('opt') and not seen.has('.singularity.d')


def test_filter_tar_stream_truncated():
    source = make_tar([('big', 'file', 'y' * 5000)])
    with pytest.raises(tar_stream.TarStreamError):
        tar_stream.filter_tar_stream([source[:2048]], lambda data: None)
    with pytest.raises(tar_stream.TarStreamError, match='truncated tar header'):
        tar_stream.filter_tar_stream([source[:100]], lambda data: None)


def test_pax_records_and_sizes():
    assert tar_stream.pax_records(b'20 path=a/long/name\n') == {'path': b'a/long/name'}
    assert tar_stream._tar_size(b'00000001000\0') == 512
    assert tar_stream._tar_size(b'\x80' + (5).to_bytes(11, 'big')) == 5
    assert tar_stream.normalize_member('./usr/bin/') == 'usr/bin'
    assert tar_stream.normalize_member('./') == ''


def test_name_index_missing_parents():
    index = tar_stream.NameIndex()
    for name in ('etc', 'etc/a/b', 'usr/lib/x'):
        index.add(name)
    assert index.missing_parents() == ['etc/a', 'usr', 'usr/lib']
