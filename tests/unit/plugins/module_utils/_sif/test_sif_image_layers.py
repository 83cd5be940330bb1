# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.image_layers: the image filesystem flattened from the layers of a
docker-archive written in Python (whiteouts, opaque directories, hard links, gzip layers)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import image_layers
from ansible_collections.casa.distro.plugins.module_utils._sif.image_layers import LayerError, flattened_filesystem


def layer(*members):
    """A layer tar: members are (name, kind, payload) with kind 'dir', 'file', 'link' (symlink),
    'hard' (hard link to payload) or 'char'."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1000
            data = None
            if kind == 'dir':
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == 'link':
                info.type, info.linkname = tarfile.SYMTYPE, payload
            elif kind == 'hard':
                info.type, info.linkname = tarfile.LNKTYPE, payload
            elif kind == 'char':
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 5, 1
            else:
                data = payload.encode()
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def docker_archive(path, layers, manifest=None):
    """A docker-archive (``docker save`` layout) holding ``layers`` (bytes, oldest first)."""
    names = ['%d/layer.tar' % index for index in range(len(layers))]
    if manifest is None:
        manifest = [{'Config': 'c.json', 'RepoTags': ['casa/x:1'], 'Layers': names}]
    with tarfile.open(str(path), mode='w') as tar:
        # Layers first and out of order, as docker save may store them.
        for name, data in reversed(list(zip(names, layers))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, data in (('c.json', b'{}'), ('manifest.json', json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def flattened(tmp_path, layers):
    archive = docker_archive(tmp_path / 'image.tar', layers)
    data = b''.join(flattened_filesystem(archive, str(tmp_path))) + bytes(1024)
    result = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            content = tar.extractfile(member).read().decode() if member.isreg() else member.linkname
            result[member.name] = (member.type, content)
    return result, data


BASE = layer(('etc', 'dir', None), ('etc/hostname', 'file', 'base-host\n'), ('etc/old', 'file', 'old'),
             ('dev', 'dir', None), ('dev/console', 'char', None),
             ('opt', 'dir', None), ('opt/a', 'file', 'a'), ('opt/sub', 'dir', None), ('opt/sub/b', 'file', 'b'),
             ('data', 'dir', None), ('data/x', 'file', 'x'), ('bin', 'dir', None), ('bin/tool', 'file', 'tool'),
             ('bin/alias', 'hard', 'bin/tool'), ('.dockerenv', 'file', ''), ('.singularity.d', 'dir', None),
             ('.singularity.d/runscript', 'file', 'theirs'))
UPPER = layer(('etc', 'dir', None), ('etc/hostname', 'file', 'image-host\n'), ('etc/.wh.old', 'file', ''),
              ('opt', 'dir', None), ('opt/.wh..wh..opq', 'file', ''), ('opt/new', 'file', 'new'),
              ('data', 'file', 'now a file'), ('bin', 'dir', None), ('bin/tool', 'file', 'replaced'))


def test_layers_are_applied_as_docker_applies_them(tmp_path):
    files, dummy = flattened(tmp_path, [BASE, UPPER])
    # The image's own /etc/hostname and /dev/console, not what a container runtime leaves.
    assert files['etc/hostname'] == (tarfile.REGTYPE, 'image-host\n')
    assert files['dev/console'][0] == tarfile.CHRTYPE
    assert 'etc/old' not in files and 'etc/.wh.old' not in files  # whiteout
    # An opaque directory hides everything the lower layers had in it.
    assert 'opt/a' not in files and 'opt/sub' not in files and 'opt/sub/b' not in files
    assert files['opt/new'] == (tarfile.REGTYPE, 'new') and 'opt/.wh..wh..opq' not in files
    # A file replacing a directory hides the directory's content.
    assert files['data'] == (tarfile.REGTYPE, 'now a file') and 'data/x' not in files
    # A hard link whose target a later layer replaced keeps the old content.
    assert files['bin/tool'] == (tarfile.REGTYPE, 'replaced')
    assert files['bin/alias'] == (tarfile.REGTYPE, 'tool')
    # What the conversion writes itself is left out.
    assert '.dockerenv' not in files and '.singularity.d/runscript' not in files


def test_each_path_once_and_the_same_bytes_every_time(tmp_path):
    dummy, first = flattened(tmp_path, [BASE, UPPER])
    dummy, second = flattened(tmp_path, [BASE, UPPER])
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        names = tar.getnames()
    assert len(names) == len(set(names))


def test_hard_link_kept_when_its_target_stays(tmp_path):
    files, dummy = flattened(tmp_path, [BASE])
    assert files['bin/alias'] == (tarfile.LNKTYPE, 'bin/tool')
    assert files['etc/hostname'] == (tarfile.REGTYPE, 'base-host\n')


def test_gzip_compressed_layers(tmp_path):
    files, dummy = flattened(tmp_path, [gzip.compress(BASE, mtime=0), UPPER])
    assert files['etc/hostname'] == (tarfile.REGTYPE, 'image-host\n') and files['bin/alias'][1] == 'tool'


def test_unreadable_archives(tmp_path):
    bad = tmp_path / 'bad.tar'
    bad.write_bytes(b'not a tar' * 100)
    with pytest.raises(LayerError, match='bad.tar is not a docker-archive'):
        list(flattened_filesystem(str(bad), str(tmp_path)))
    archive = docker_archive(tmp_path / 'image.tar', [BASE], manifest={'Layers': 5})
    with pytest.raises(image_layers.SifError, match='manifest.json'):
        list(flattened_filesystem(archive, str(tmp_path)))
    archive = docker_archive(tmp_path / 'image.tar', [BASE], manifest=[{'Config': 'c.json', 'Layers': ['missing.tar']}])
    with pytest.raises(LayerError, match='has no missing.tar'):
        list(flattened_filesystem(archive, str(tmp_path)))
    archive = docker_archive(tmp_path / 'image.tar', [b'\x1f\x8b garbage'])
    with pytest.raises(LayerError, match='compressed layer'):
        list(flattened_filesystem(archive, str(tmp_path)))


def test_hard_link_to_nothing_in_its_layer(tmp_path):
    with pytest.raises(LayerError, match='/bin/alias points at /bin/gone, which its layer does not hold'):
        flattened(tmp_path, [layer(('bin', 'dir', None), ('bin/alias', 'hard', 'bin/gone'))])


def test_present_paths_and_their_parents(tmp_path):
    archive = docker_archive(tmp_path / 'image.tar', [BASE, UPPER])
    present = image_layers.PathIndex()
    chunks = flattened_filesystem(archive, str(tmp_path), present)
    next(chunks)
    assert present.has('opt/new') and present.has('opt') and present.has('dev/console')
    assert not present.has('opt/a') and not present.has('etc/old') and not present.has('')
    assert present.missing_parents() == []
    list(chunks)


def test_parents_no_layer_lists(tmp_path):
    archive = docker_archive(tmp_path / 'image.tar', [layer(('usr/lib/x', 'file', 'x'), ('usr/lib/y/z', 'file', 'z'))])
    present = image_layers.PathIndex()
    list(flattened_filesystem(archive, str(tmp_path), present))
    # Parents first: the tail lists them so that they take the conversion's time stamp.
    assert present.missing_parents() == ['usr', 'usr/lib', 'usr/lib/y']


def test_layers_named_through_symlinks(tmp_path):
    # Docker 25+ stores blobs/sha256/<hex> and links the legacy <id>/layer.tar names to them.
    path = tmp_path / 'image.tar'
    manifest = [{'Config': 'c.json', 'RepoTags': None, 'Layers': ['abc/layer.tar']}]
    with tarfile.open(str(path), mode='w') as tar:
        for name, data in (('blobs/sha256/abc', BASE), ('manifest.json', json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo('abc/layer.tar')
        info.type, info.linkname = tarfile.SYMTYPE, '../blobs/sha256/abc'
        tar.addfile(info)
    data = b''.join(flattened_filesystem(str(path), str(tmp_path))) + bytes(1024)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert 'etc/hostname' in tar.getnames()
