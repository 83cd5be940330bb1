# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The attributes of the root directory of a squashfs written by ``sqfstar``, set in place.

``sqfstar`` 4.5 ignores its ``-root-time``/``-root-mode``/``-root-uid``/``-root-gid`` options
and gives the root directory the current time, mode 0777 and the running user: the SIF would
differ from one conversion to the next. The image is made with an uncompressed inode table
(``-noI``, which also leaves the ID table uncompressed), so the root inode can be rewritten in
place: its mode, time and owner fields have fixed sizes, nothing else moves.
"""

from __future__ import annotations

import struct

from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError

MAGIC = 0x73717368
_SUPER = struct.Struct('<IIIIIHHHHHHQQQQQQQQ')
_FLAG_UNCOMPRESSED_INODES = 0x0001
_METADATA_UNCOMPRESSED = 0x8000
_METADATA_SIZE = 8192
_DIRECTORY_TYPES = (1, 8)  # basic and extended directory inodes
# inode_type, mode, uid index, gid index, mtime: the start of every inode header
_INODE_HEAD = struct.Struct('<HHHHI')


class SquashfsRootError(SifError):
    """The squashfs is not one whose root directory can be set in place."""


class _Metadata:
    """Uncompressed metadata blocks of a squashfs file: reads and writes at a logical offset."""

    def __init__(self, handle, path):
        self.handle = handle
        self.path = path

    def _block(self, position):
        self.handle.seek(position)
        header = self.handle.read(2)
        if len(header) < 2:
            raise SquashfsRootError('%s: metadata block at %d is past the end of the file' % (self.path, position))
        word = struct.unpack('<H', header)[0]
        size = word & ~_METADATA_UNCOMPRESSED & 0xffff
        if not word & _METADATA_UNCOMPRESSED or size == 0 or size > _METADATA_SIZE:
            raise SquashfsRootError('%s: the metadata block at %d is compressed or malformed' % (self.path, position))
        return position + 2, size

    def spans(self, position, offset, length):
        """(file position, length) pieces of ``length`` bytes at ``offset`` in the metadata that
        starts with the block at ``position`` (an inode may straddle two blocks)."""
        pieces = []
        while length > 0:
            data, size = self._block(position)
            if offset >= size:
                offset -= size
            else:
                take = min(length, size - offset)
                pieces.append((data + offset, take))
                length -= take
                offset = 0
            position = data + size
        return pieces

    def read(self, position, offset, length):
        chunks = []
        for start, size in self.spans(position, offset, length):
            self.handle.seek(start)
            chunks.append(self.handle.read(size))
        return b''.join(chunks)

    def write(self, position, offset, data):
        for start, size in self.spans(position, offset, len(data)):
            self.handle.seek(start)
            self.handle.write(data[:size])
            data = data[size:]


def _superblock(handle, path):
    raw = handle.read(_SUPER.size)
    if len(raw) < _SUPER.size:
        raise SquashfsRootError('%s is too short to be a squashfs' % path)
    fields = _SUPER.unpack(raw)
    if fields[0] != MAGIC or (fields[9], fields[10]) != (4, 0):
        raise SquashfsRootError('%s is not a squashfs 4.0 filesystem' % path)
    # sqfstar 4.5 leaves the ID table uncompressed with -noI without saying so in the flags:
    # each metadata block's own header is checked as it is read.
    if not fields[7] & _FLAG_UNCOMPRESSED_INODES:
        raise SquashfsRootError('%s has a compressed inode table (made without -noI)' % path)
    return {'id_count': fields[8], 'root_inode': fields[11], 'id_table_start': fields[13],
            'inode_table_start': fields[15]}


def _ids(meta, handle, superblock):
    """The uids and gids of the ID table, in their order."""
    count = superblock['id_count']
    blocks = (count * 4 + _METADATA_SIZE - 1) // _METADATA_SIZE
    handle.seek(superblock['id_table_start'])
    pointers = struct.unpack('<%dQ' % blocks, handle.read(8 * blocks))
    ids = []
    for pointer in pointers:
        take = min(count - len(ids), _METADATA_SIZE // 4)
        ids += struct.unpack('<%dI' % take, meta.read(pointer, 0, take * 4))
    return ids


def set_root_directory(path, mode, mtime, uid=0, gid=0):
    """Give the root directory of the squashfs ``path`` (made with ``-noI``) the permission bits
    ``mode``, the time ``mtime`` and the owner ``uid``:``gid``, which its ID table must hold."""
    with open(path, 'r+b') as handle:
        superblock = _superblock(handle, path)
        meta = _Metadata(handle, path)
        ids = _ids(meta, handle, superblock)
        try:
            uid_index, gid_index = ids.index(uid), ids.index(gid)
        except ValueError:
            raise SquashfsRootError('%s: no file is owned by %d:%d, the owner wanted for its root directory'
                                    % (path, uid, gid))
        position = superblock['inode_table_start'] + (superblock['root_inode'] >> 16)
        offset = superblock['root_inode'] & 0xffff
        kind, old_mode = _INODE_HEAD.unpack(meta.read(position, offset, _INODE_HEAD.size))[:2]
        if kind not in _DIRECTORY_TYPES:
            raise SquashfsRootError('%s: the root inode is not a directory (type %d)' % (path, kind))
        head = _INODE_HEAD.pack(kind, (old_mode & 0o170000) | (mode & 0o7777), uid_index, gid_index, mtime)
        meta.write(position, offset, head)
