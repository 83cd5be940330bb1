# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.tar_index: the members of a tar from their headers alone, checked against
what tarfile reads from the same bytes (PAX, GNU and ustar formats, long names and links)."""

from __future__ import annotations

import io
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import tar_index

LONG = 'deep/' + '/'.join(['d%03d' % index for index in range(40)]) + '/file-with-a-long-name.txt'


def tar_bytes(fmt, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=fmt) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            data = None
            if kind == 'dir':
                info.type = tarfile.DIRTYPE
            elif kind == 'hard':
                info.type, info.linkname = tarfile.LNKTYPE, payload
            elif kind == 'link':
                info.type, info.linkname = tarfile.SYMTYPE, payload
            elif kind == 'fifo':
                info.type = tarfile.FIFOTYPE
            else:
                data = payload
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


MEMBERS = [('etc', 'dir', None), ('etc/hostname', 'file', b'host\n'), ('big', 'file', b'x' * 70000),
           ('empty', 'file', b''), (LONG, 'file', b'long'), ('hard', 'hard', LONG), ('sym', 'link', 'x' * 150),
           ('pipe', 'fifo', None), ('caf\u00e9/na\u00efve', 'file', b'utf-8')]


def tarfile_view(data):
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
        infos = tar.getmembers()
        ends = [info.offset for info in infos[1:]] + [tar.offset]
    return [(info.name, 'dir' if info.isdir() else 'hardlink' if info.islnk() else 'file' if info.isreg() else 'other',
             info.linkname if info.islnk() else None, info.offset, end) for info, end in zip(infos, ends)]


@pytest.mark.parametrize('fmt', [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_members_as_tarfile_reads_them(fmt):
    data = tar_bytes(fmt, MEMBERS)
    found = tar_index.members(memoryview(data))
    assert [(name.rstrip('/'), kind, link, start, end) for name, kind, link, start, end in found] == tarfile_view(data)
    assert found[4][0] == LONG and found[5][1:3] == ('hardlink', LONG)


def test_ustar_prefix_and_a_directory_written_as_a_file_with_a_slash():
    name = 'p' * 90 + '/' + 'n' * 90
    data = bytearray(tar_bytes(tarfile.USTAR_FORMAT, [(name, 'file', b'data'), ('dir/', 'file', b'')]))
    # An old writer's directory: a regular-file type with a trailing slash in the name.
    header = data[1024:1536]
    header[156:157] = b'\0'
    header[148:156] = b' ' * 8
    header[148:156] = ('%06o\0 ' % sum(header)).encode()
    data[1024:1536] = header
    found = tar_index.members(bytes(data))
    assert found[0][:2] == (name, 'file') and found[1][1] == 'dir'


def test_global_headers_belong_to_no_member():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT, pax_headers={'comment': 'x'}) as tar:
        info = tarfile.TarInfo('a')
        info.size = 1
        tar.addfile(info, io.BytesIO(b'a'))
    found = tar_index.members(buf.getvalue())
    assert [(name, start) for name, dummy_kind, dummy_link, start, dummy_end in found] == [('a', 1024)]


def test_bad_checksum_and_truncated_layers():
    data = bytearray(tar_bytes(tarfile.PAX_FORMAT, [('a', 'file', b'a' * 2000)]))
    with pytest.raises(tar_index.TarIndexError, match='ends past the end'):
        tar_index.members(bytes(data[:1024]))
    data[0:1] = b'b'
    with pytest.raises(tar_index.TarIndexError, match='bad header checksum at offset 0'):
        tar_index.members(bytes(data))


def test_old_gnu_sparse_members_are_left_to_tarfile():
    header = bytearray(tar_bytes(tarfile.GNU_FORMAT, [('s', 'file', b'')])[:512])
    header[156:157] = b'S'
    header[148:156] = b' ' * 8
    header[148:156] = ('%06o\0 ' % sum(header)).encode()
    assert tar_index.members(bytes(header) + bytes(1024)) is None
