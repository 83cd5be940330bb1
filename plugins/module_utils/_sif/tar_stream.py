# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter of the exported image filesystem: a tar stream copied on its headers only (file data
passes through in the chunks it came in), leaving out what we write ourselves."""

from __future__ import annotations

import posixpath

from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError
from ansible_collections.casa.distro.plugins.module_utils._sif.layout import is_replaced


class TarStreamError(SifError):
    """The exported filesystem is not a well-formed tar stream."""


class NameIndex:
    """The member names seen in a tar stream, and their parent directories."""

    def __init__(self):
        self.names = set()

    def add(self, name):
        self.names.add(name)

    def has(self, name):
        if name in self.names:
            return True
        prefix = name + '/'
        return any(other.startswith(prefix) for other in self.names)

    def missing_parents(self):
        """The parent directories of the members that the stream does not list, parents first."""
        parents = set()
        for name in self.names:
            parent = posixpath.dirname(name)
            while parent and parent not in parents:
                parents.add(parent)
                parent = posixpath.dirname(parent)
        return sorted(parents - self.names)


def _tar_size(field):
    if field[0] & 0x80:  # GNU base-256 for huge files
        return int.from_bytes(field[1:], 'big')
    text = field.replace(b'\0', b' ').strip()
    return int(text, 8) if text else 0


def _cstring(field):
    end = field.find(b'\0')
    return field if end < 0 else field[:end]


def normalize_member(name):
    """A tar member name as a path relative to the root (no ./, no leading or trailing /)."""
    while name.startswith('./'):
        name = name[2:]
    name = name.strip('/')
    return '' if name == '.' else name


def pax_records(data):
    """The key/value records of a PAX extended header."""
    records = {}
    pos = 0
    while pos < len(data):
        space = data.find(b' ', pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarStreamError('Malformed PAX header in the exported filesystem')
        record = data[space + 1:pos + length]
        if length <= 0:
            break
        key, _sep, value = record.rstrip(b'\n').partition(b'=')
        records[key.decode('utf-8', 'replace')] = value
        pos += length
    return records


class _ChunkReader:
    """Reads exact byte counts from an iterator of chunks, without joining big chunks."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b''
        self._pos = 0
        self.total = 0

    def _fill(self):
        while self._pos >= len(self._buf):
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return False
            self._pos = 0
        return True

    def read(self, size):
        parts = []
        while size > 0 and self._fill():
            take = min(size, len(self._buf) - self._pos)
            parts.append(self._buf[self._pos:self._pos + take])
            self._pos += take
            size -= take
            self.total += take
        return b''.join(parts)

    def copy(self, size, write):
        """Pass ``size`` bytes to ``write`` (or drop them when write is None)."""
        while size > 0:
            if not self._fill():
                raise TarStreamError('The exported filesystem ended in the middle of a file')
            take = min(size, len(self._buf) - self._pos)
            if write is not None:
                if self._pos == 0 and take == len(self._buf):
                    write(self._buf)
                else:
                    write(memoryview(self._buf)[self._pos:self._pos + take])
            self._pos += take
            size -= take
            self.total += take

    def drain(self):
        while self._fill():
            self.total += len(self._buf) - self._pos
            self._pos = len(self._buf)


_ZERO_BLOCK = bytes(512)


def _next_header(reader):
    """The next 512-byte header, or None at the end of the archive."""
    header = reader.read(512)
    if not header:
        return None  # some writers omit the end-of-archive blocks
    if len(header) < 512:
        raise TarStreamError('The exported filesystem ends with a truncated tar header')
    if header == _ZERO_BLOCK:
        return None
    return header


def _extended_name(typeflag, data, size):
    """The member name an extended header (PAX ``x`` or GNU ``L``) gives, or None."""
    if typeflag == b'x':
        path = pax_records(data[:size]).get('path')
        return None if path is None else path.decode('utf-8', 'surrogateescape')
    if typeflag == b'L':
        return _cstring(data[:size]).decode('utf-8', 'surrogateescape')
    return None


def _header_name(header):
    """The member name stored in a ustar header itself (prefix + name)."""
    name = _cstring(header[0:100])
    if header[257:263] == b'ustar\0':
        prefix = _cstring(header[345:500])
        if prefix:
            name = prefix + b'/' + name
    return name.decode('utf-8', 'surrogateescape')


def filter_tar_stream(chunks, write, drop=is_replaced):
    """Copy a tar stream from ``chunks`` to ``write`` up to (not including) its end-of-archive
    blocks, leaving out the members for which ``drop(name)`` is true.

    Returns a NameIndex of the members kept. Only headers are parsed; file data is passed on in
    the chunks it came in.
    """
    reader = _ChunkReader(chunks)
    seen = NameIndex()
    pending = []
    long_name = None
    header = _next_header(reader)
    while header is not None:
        typeflag = header[156:157]
        size = _tar_size(header[124:136])
        padded = (size + 511) & ~511
        if typeflag in (b'x', b'L', b'K'):
            # Held back until we know whether the member they describe is kept.
            data = reader.read(padded)
            if len(data) < padded:
                raise TarStreamError('The exported filesystem ended inside an extended header')
            pending.append(header + data)
            long_name = _extended_name(typeflag, data, size) or long_name
        elif typeflag == b'g':
            write(header)
            reader.copy(padded, write)
        else:
            name = normalize_member(long_name if long_name is not None else _header_name(header))
            if name and drop(name):
                reader.copy(padded, None)
            else:
                for block in pending:
                    write(block)
                write(header)
                reader.copy(padded, write)
                if name:
                    seen.add(name)
            pending = []
            long_name = None
        header = _next_header(reader)
    reader.drain()
    return seen
