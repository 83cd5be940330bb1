# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The members of a layer tar from their headers alone: name, type, hard link target and byte
range, reading 512 bytes per member and seeking over the data.

``tarfile`` builds a full TarInfo per member (every field decoded, the checksum computed twice):
a fifth of a second per thousand members, half a minute for a large image. Here only what the
flattening needs is decoded. Old GNU sparse members (type ``S``), whose headers continue in
further blocks, are left to ``tarfile``: ``members`` returns None and the caller falls back.
"""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._sif.tar_stream import (
    TarStreamError, _cstring, _header_name, _tar_size, pax_records)

BLOCK = 512
_ZERO = bytes(BLOCK)
_CHECKSUM_SPACES = 8 * 0x20


class TarIndexError(TarStreamError):
    """A header of the layer is not a valid tar header."""


def _checksum_ok(header):
    stored = _cstring(header[148:156]).strip()
    try:
        wanted = int(stored, 8) if stored else -1
    except ValueError:
        return False
    unsigned = sum(header[:148]) + sum(header[156:]) + _CHECKSUM_SPACES
    return wanted == unsigned


def _decode(raw):
    return raw.decode('utf-8', 'surrogateescape')


class _Pending:
    """What the extended headers (PAX ``x``, GNU ``L``/``K``) before a member say about it."""

    def __init__(self):
        self.start = None
        self.name = None
        self.link = None
        self.size = None

    def take(self, typeflag, data, size):
        if typeflag == b'x':
            records = pax_records(data[:size])
            if 'path' in records:
                self.name = _decode(records['path'])
            if 'linkpath' in records:
                self.link = _decode(records['linkpath'])
            if 'size' in records:
                try:
                    self.size = int(records['size'])
                except ValueError:
                    raise TarIndexError('a PAX size record is not a number')
        elif typeflag == b'L':
            self.name = _decode(_cstring(data[:size]))
        elif typeflag == b'K':
            self.link = _decode(_cstring(data[:size]))


def _kind(typeflag, name):
    if typeflag == b'5' or (typeflag == b'\0' and name.endswith('/')):
        return 'dir'
    if typeflag == b'1':
        return 'hardlink'
    return 'file' if typeflag in (b'0', b'\0', b'7') else 'other'


def members(data):
    """(name, kind, link target or None, start, end) of each member of the tar ``data`` (bytes
    or a memoryview of a mapped file), in their order; ``start`` is the offset of the member's
    first header (extended ones included), ``end`` that of the next member. None when the layer
    holds an old GNU sparse member."""
    found = []
    pending = _Pending()
    offset = 0
    total = len(data)
    while True:
        header = bytes(data[offset:offset + BLOCK])
        if len(header) < BLOCK or header == _ZERO:
            break
        if not _checksum_ok(header):
            raise TarIndexError('bad header checksum at offset %d' % offset)
        typeflag = header[156:157]
        if typeflag == b'S':
            return None
        size = _tar_size(header[124:136])
        if pending.start is None:
            pending.start = offset
        if typeflag in (b'x', b'L', b'K', b'g'):
            if typeflag != b'g':
                pending.take(typeflag, bytes(data[offset + BLOCK:offset + BLOCK + size]), size)
            else:
                pending.start = None  # a global header belongs to no member
            offset += BLOCK + ((size + BLOCK - 1) & ~(BLOCK - 1))
            continue
        if pending.size is not None:
            size = pending.size
        name = pending.name if pending.name is not None else _header_name(header)
        link = pending.link if pending.link is not None else _decode(_cstring(header[157:257]))
        end = offset + BLOCK + (0 if typeflag in (b'1', b'2', b'3', b'4', b'5', b'6') else
                                (size + BLOCK - 1) & ~(BLOCK - 1))
        kind = _kind(typeflag, name)
        found.append((name, kind, link if kind == 'hardlink' else None, pending.start, end))
        pending = _Pending()
        offset = end
    if offset > total:
        raise TarIndexError('the last member ends past the end of the layer')
    return found
