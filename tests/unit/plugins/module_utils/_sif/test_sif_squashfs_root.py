# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.squashfs_root: the root directory of a squashfs set in place, on small
images laid out here (an inode straddling two metadata blocks included) and, when sqfstar is
installed, on its own output."""

from __future__ import annotations

import io
import shutil
import struct
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._sif import squashfs_root

HEAD = struct.Struct('<HHHHI')


def metadata_block(data, compressed=False):
    return struct.pack('<H', len(data) | (0 if compressed else 0x8000)) + data


def image(offset=100, kind=1, ids=(1000, 0), first_block=200, flags=0x1, compressed=False, magic=squashfs_root.MAGIC):
    """A squashfs skeleton: superblock, an inode table of two metadata blocks whose first holds
    ``first_block`` bytes and the root inode at ``offset``, then the ID table."""
    inode = HEAD.pack(kind, 0o40777, 0, 0, 1795332600) + struct.pack('<I', 1) + bytes(16)
    table = bytearray(512)
    table[offset:offset + len(inode)] = inode
    inode_table = metadata_block(bytes(table[:first_block]), compressed) + metadata_block(bytes(table[first_block:]))
    inode_start = 96
    id_block_at = inode_start + len(inode_table)
    id_block = metadata_block(struct.pack('<%dI' % len(ids), *ids))
    id_table_start = id_block_at + len(id_block)
    body = inode_table + id_block + struct.pack('<Q', id_block_at)
    superblock = struct.pack('<IIIIIHHHHHHQQQQQQQQ', magic, 1, 0, 131072, 0, 1, 17, flags, len(ids), 4, 0,
                             offset, 96 + len(body), id_table_start, 2 ** 64 - 1, inode_start, 96 + len(body),
                             2 ** 64 - 1, 2 ** 64 - 1)
    return superblock + body


def root_head(path):
    with open(str(path), 'rb') as handle:
        superblock = squashfs_root._superblock(handle, str(path))
        meta = squashfs_root._Metadata(handle, str(path))
        position = superblock['inode_table_start'] + (superblock['root_inode'] >> 16)
        head = HEAD.unpack(meta.read(position, superblock['root_inode'] & 0xffff, HEAD.size))
        return head, squashfs_root._ids(meta, handle, superblock)


@pytest.mark.parametrize('offset', [100, 190, 196])  # 190 and 196: the header straddles two blocks
def test_root_directory_set_in_place(tmp_path, offset):
    path = tmp_path / 'x.sqfs'
    original = image(offset=offset)
    path.write_bytes(original)
    squashfs_root.set_root_directory(str(path), 0o755, 1714564800)
    (kind, mode, uid, gid, mtime), ids = root_head(path)
    assert (kind, mode, mtime) == (1, 0o40755, 1714564800)
    assert ids[uid] == 0 and ids[gid] == 0 and uid == 1
    changed = path.read_bytes()
    assert len(changed) == len(original)
    assert sum(1 for a, b in zip(original, changed) if a != b) <= 12  # mode, owner and time only


@pytest.mark.parametrize('kwargs, message', [
    ({'magic': 0x12345678}, 'is not a squashfs 4.0 filesystem'),
    ({'flags': 0}, 'compressed inode table'),
    ({'compressed': True}, 'metadata block at 96 is compressed'),
    ({'kind': 2}, 'root inode is not a directory'),
    ({'ids': (1000,)}, 'no file is owned by 0:0'),
])
def test_root_directory_refuses_what_it_cannot_set(tmp_path, kwargs, message):
    path = tmp_path / 'x.sqfs'
    path.write_bytes(image(**kwargs))
    with pytest.raises(squashfs_root.SquashfsRootError, match=message):
        squashfs_root.set_root_directory(str(path), 0o755, 0)


def test_root_directory_of_a_short_file(tmp_path):
    path = tmp_path / 'x.sqfs'
    path.write_bytes(b'hsqs')
    with pytest.raises(squashfs_root.SquashfsRootError, match='too short'):
        squashfs_root.set_root_directory(str(path), 0o755, 0)


@pytest.mark.skipif(not shutil.which('sqfstar'), reason='needs sqfstar (squashfs-tools 4.5+)')
def test_root_directory_of_sqfstar_output(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for name in ('a/', 'a/b/'):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o700, 5
            tar.addfile(info)
        info = tarfile.TarInfo('a/f')
        info.size, info.mtime = 2, 5
        tar.addfile(info, io.BytesIO(b'hi'))
    output = str(tmp_path / 'x.sqfs')
    _process.run(['sqfstar', '-quiet', '-no-progress', '-noI', '-mkfs-time', '5', output], 'sqfstar',
                 input_data=buf.getvalue(), env={'SOURCE_DATE_EPOCH': None})
    squashfs_root.set_root_directory(output, 0o755, 1000)
    (kind, mode, uid, gid, mtime), ids = root_head(output)
    assert (kind in (1, 8), mode & 0o7777, mtime, ids[uid], ids[gid]) == (True, 0o755, 1000, 0, 0)
