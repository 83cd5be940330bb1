# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filesystem of an image, flattened from the layers of its docker-archive (``docker save``).

The image's filesystem, not a container's: ``docker export`` of a container adds what the
runtime leaves (an emptied ``/etc/hostname``, ``/etc/mtab``, ``/.dockerenv``, ``/dev/console``
as an empty file...). The layers are applied as Docker applies them: an upper layer's entry
replaces a lower one, ``.wh.NAME`` deletes NAME below, ``.wh..wh..opq`` empties a directory
below, and a non-directory hides whatever a lower layer had under its path.

Two passes over the layers stored in the archive: from the top down, which member of which
layer gives each path; then from the bottom up, the raw bytes of those members (headers and data
as stored, so the result is the same for the same image, byte for byte).
"""

from __future__ import annotations

import gzip
import mmap
import os
import posixpath
import shutil
import tarfile

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError
from ansible_collections.casa.distro.plugins.module_utils._sif.layout import is_replaced
from ansible_collections.casa.distro.plugins.module_utils._sif.source import MANIFEST_MAX_BYTES, parse_archive_manifest
from ansible_collections.casa.distro.plugins.module_utils._sif import tar_index
from ansible_collections.casa.distro.plugins.module_utils._sif.tar_stream import TarStreamError, normalize_member

WHITEOUT = '.wh.'
OPAQUE = '.wh..wh..opq'
CHUNK = 1 << 20


class LayerError(SifError):
    """The docker-archive of the image cannot be flattened."""


class _Slice:
    """A read-only, seekable window ``[start, start + size)`` of an open file, for tarfile."""

    def __init__(self, handle, start, size):
        self.handle = handle
        self.start = start
        self.size = size
        self.pos = 0

    def seek(self, pos, whence=0):
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, base + pos)
        return self.pos

    def tell(self):
        return self.pos

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.size - self.pos
        size = max(0, min(size, self.size - self.pos))
        self.handle.seek(self.start + self.pos)
        data = self.handle.read(size)
        self.pos += len(data)
        return data


class PathIndex:
    """The paths of the flattened filesystem and their parent directories (``has`` in O(1))."""

    def __init__(self):
        self.paths = set()
        self.given = set()

    def add(self, path):
        self.given.add(path)
        while path and path not in self.paths:
            self.paths.add(path)
            path = posixpath.dirname(path)

    def has(self, name):
        return name in self.paths

    def missing_parents(self):
        """The parent directories that no layer lists, parents first."""
        return sorted(self.paths - self.given)


class Member:
    """One member of a layer: its path, kind, link target and byte range in the layer."""

    __slots__ = ('path', 'kind', 'link', 'start', 'end')

    def __init__(self, path, kind, link, start, end):
        self.path = path
        self.kind = kind
        self.link = link
        self.start = start
        self.end = end


def _kind(info):
    if info.isdir():
        return 'dir'
    if info.islnk():
        return 'hardlink'
    return 'file' if info.isreg() else 'other'


def layer_members(window):
    """The members of one layer tar (a seekable file object), in their order: read from their
    headers alone (tar_index.py), or by tarfile for a layer with old GNU sparse members."""
    try:
        # Mapped, not read: the headers are sliced out of the page cache without a call each.
        with mmap.mmap(window.handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped, \
                memoryview(mapped) as view, view[window.start:window.start + window.size] as layer:
            indexed = tar_index.members(layer)
    except TarStreamError as exc:
        raise LayerError('A layer of the image is not a readable tar: %s' % exc)
    if indexed is None:
        return _tarfile_members(window)
    return [Member(normalize_member(name), kind, normalize_member(link) if link is not None else None, start, end)
            for name, kind, link, start, end in indexed]


def _tarfile_members(window):
    members = []
    try:
        window.seek(0)
        tar = tarfile.open(fileobj=window, mode='r:')
        infos = []
        info = tar.next()
        while info is not None:
            infos.append(info)
            info = tar.next()
        ends = [nxt.offset for nxt in infos[1:]] + [tar.offset]
    except (tarfile.TarError, EOFError) as exc:
        raise LayerError('A layer of the image is not a readable tar: %s' % exc)
    for info, end in zip(infos, ends):
        link = normalize_member(info.linkname) if info.islnk() else None
        members.append(Member(normalize_member(info.name), _kind(info), link, info.offset, end))
    return members


class LayerStack:
    """Which member of which layer gives each path, from the top layer down."""

    def __init__(self):
        self.winner = {}        # path -> index of the layer that gives it
        self.deleted = set()    # paths whited out by an upper layer
        self.opaque = set()     # directories emptied by an upper layer
        self.covering = set()   # non-directories of upper layers: nothing lower below them

    def hidden(self, path, parents=None):
        """Whether an upper layer hides ``path``; ``parents`` memoizes the answer for directories
        while one layer is applied (the members of a directory share their parents)."""
        if path in self.deleted:
            return True
        parent = posixpath.dirname(path)
        walked = []
        answer = False
        while parent:
            if parents is not None and parent in parents:
                answer = parents[parent]
                break
            walked.append(parent)
            if parent in self.deleted or parent in self.opaque or parent in self.covering:
                answer = True
                break
            parent = posixpath.dirname(parent)
        if parents is not None:
            for directory in walked:
                parents[directory] = answer
        return answer

    def apply(self, index, members):
        """Pick the visible members of layer ``index`` (the layers above it already applied)."""
        chosen = {}
        deleted, opaque = set(), set()
        parents = {}  # the sets below only change after the loop
        for member in members:
            base = posixpath.basename(member.path)
            if base == OPAQUE:
                opaque.add(posixpath.dirname(member.path))
            elif base.startswith(WHITEOUT):
                deleted.add(posixpath.join(posixpath.dirname(member.path), base[len(WHITEOUT):]))
            elif member.path and not is_replaced(member.path) and member.path not in self.winner \
                    and not self.hidden(member.path, parents):
                chosen[member.path] = member  # a later duplicate in the same layer wins
        for path, member in chosen.items():
            self.winner[path] = index
            if member.kind != 'dir':
                self.covering.add(path)
        self.deleted |= deleted
        self.opaque |= opaque
        return set(id(member) for member in chosen.values())


class DockerArchive:
    """A docker-archive (``docker save``) on disk: its manifest and the windows of its layers."""

    def __init__(self, path, work_dir):
        self.path = path
        self.work_dir = work_dir
        self.handle = open(path, 'rb')  # pylint: disable=consider-using-with  # closed by close()
        self.entries = {}
        self.links = {}  # the legacy <id>/layer.tar of Docker 25+ are symlinks to blobs/sha256/...
        try:
            with tarfile.open(fileobj=self.handle, mode='r:') as tar:
                for info in tar:
                    name = normalize_member(info.name)
                    if info.isfile():
                        self.entries[name] = (info.offset_data, info.size)
                    elif info.issym():
                        self.links[name] = normalize_member(posixpath.join(posixpath.dirname(name), info.linkname))
        except (tarfile.TarError, EOFError) as exc:
            self.close()
            raise LayerError('%s is not a docker-archive tarball: %s' % (path, exc))

    def close(self):
        self.handle.close()

    def read_entry(self, name, limit):
        start, size = self._entry(name)
        if size > limit:
            raise LayerError('%s: %s has %d bytes, more than expected' % (self.path, name, size))
        return _Slice(self.handle, start, size).read()

    def _entry(self, name):
        name = normalize_member(name)
        name = self.links.get(name, name)
        try:
            return self.entries[posixpath.normpath(name)]
        except KeyError:
            raise LayerError('%s has no %s: not a complete docker-archive' % (self.path, name))

    def layer_names(self):
        where = '%s:manifest.json' % self.path
        try:
            manifest = parse_archive_manifest(self.read_entry('manifest.json', MANIFEST_MAX_BYTES), where)
        except InputError as exc:  # not JSON, or not the shape of a manifest
            raise LayerError(exc.msg)
        return manifest[0].get('Layers') or []

    def layer_window(self, name):
        """A file object of the layer ``name`` as an uncompressed tar (gzip layers are expanded
        into the work directory first)."""
        start, size = self._entry(name)
        window = _Slice(self.handle, start, size)
        if window.read(2) != b'\x1f\x8b':
            window.seek(0)
            return window
        expanded = os.path.join(self.work_dir, 'layer-%d.tar' % start)
        window.seek(0)
        try:
            with gzip.GzipFile(fileobj=window, mode='rb') as source, open(expanded, 'wb') as target:
                shutil.copyfileobj(source, target, CHUNK)
        except (OSError, EOFError) as exc:
            raise LayerError('A compressed layer of %s cannot be read: %s' % (self.path, exc))
        # pylint: disable-next=consider-using-with  # read by _Slice, closed with the work directory
        return _Slice(open(expanded, 'rb'), 0, os.path.getsize(expanded))


def _copy(window, start, end):
    window.seek(start)
    left = end - start
    while left > 0:
        data = window.read(min(CHUNK, left))
        if not data:
            raise LayerError('A layer of the image ends in the middle of a member')
        left -= len(data)
        yield data


def _copied_link(window, member, target):
    """A hard link whose target an upper layer replaced, as a regular file with the target's data."""
    window.seek(target.start)
    info = tarfile.open(fileobj=window, mode='r:').next()
    if info is None or not info.isreg() or info.sparse is not None:
        raise LayerError('Hard link /%s points at /%s, which a later layer replaced and which cannot be copied'
                         % (member.path, target.path))
    data_start = info.offset_data
    info.name = member.path
    yield info.tobuf(tarfile.PAX_FORMAT)
    yield from _copy(window, data_start, data_start + ((info.size + 511) & ~511))


def _layer_stream(window, members, chosen, index, winner):
    """The raw bytes of the chosen members of one layer, adjacent members copied as one range."""
    by_path = dict((member.path, member) for member in members)
    start = end = None
    for member in members:
        if id(member) not in chosen:
            continue
        if member.kind == 'hardlink' and winner.get(member.link) != index:
            if start is not None:
                yield from _copy(window, start, end)
                start = None
            target = by_path.get(member.link)
            if target is None:
                raise LayerError('Hard link /%s points at /%s, which its layer does not hold' % (member.path, member.link))
            yield from _copied_link(window, member, target)
            continue
        if start is not None and member.start == end:
            end = member.end
            continue
        if start is not None:
            yield from _copy(window, start, end)
        start, end = member.start, member.end
    if start is not None:
        yield from _copy(window, start, end)


def flattened_filesystem(archive_path, work_dir, present=None):
    """Chunks of a tar stream (without end-of-archive blocks) of the image's filesystem, from the
    docker-archive ``archive_path``; ``work_dir`` holds the layers that were compressed. The
    paths given are added to ``present`` (a PathIndex) before the first chunk."""
    archive = DockerArchive(archive_path, work_dir)
    windows = []
    try:
        layers = []
        for name in archive.layer_names():
            window = archive.layer_window(name)
            windows.append(window)
            layers.append(layer_members(window))
        stack = LayerStack()
        chosen = [None] * len(layers)
        for index in range(len(layers) - 1, -1, -1):
            chosen[index] = stack.apply(index, layers[index])
        if present is not None:
            for path in stack.winner:
                present.add(path)
        for index, window in enumerate(windows):
            yield from _layer_stream(window, layers[index], chosen[index], index, stack.winner)
    finally:
        for window in windows:
            if window.handle is not archive.handle:
                window.handle.close()
        archive.close()
