# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import io
import os
import socket
import subprocess
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._context_tar import ContextChanged, ContextTar
from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError

LONG_NAME = 'deep/' + 'n' * 150 + '.txt'
ODD_NAME = os.fsdecode(b'caf\xe9-latin1.txt')


def make_context(root):
    """A context with every kind of entry a recipe tree holds; returns its paths in order."""
    (root / 'Dockerfile').write_text('FROM a\nCOPY . /src\n')
    (root / 'deep').mkdir()
    (root / LONG_NAME).write_bytes(b'long' * 1000)
    (root / 'big.bin').write_bytes(os.urandom((1 << 20) * 2 + 123))
    (root / 'empty').write_bytes(b'')
    (root / 'script.sh').write_text('#!/bin/sh\n')
    (root / 'script.sh').chmod(0o750)
    os.symlink('script.sh', str(root / 'link-to-script'))
    os.link(str(root / 'script.sh'), str(root / 'hardlink-to-script'))
    with open(os.path.join(os.fsencode(str(root)), os.fsencode(ODD_NAME)), 'wb') as handle:
        handle.write(b'latin-1 name')
    return ['Dockerfile', 'deep', LONG_NAME, 'big.bin', 'empty', 'script.sh', 'link-to-script',
            'hardlink-to-script', ODD_NAME]


def members(data):
    with tarfile.open(fileobj=io.BytesIO(data), encoding='utf-8', errors='surrogateescape') as archive:
        return [(member, archive.extractfile(member).read() if member.isreg() else None)
                for member in archive.getmembers()]


def describe(member):
    return (member.name, member.type, member.mode, member.size, int(member.mtime), member.linkname,
            member.uid, member.gid, member.uname, member.gname)


def test_the_stream_is_the_archive_gnu_tar_makes(tmp_path):
    paths = make_context(tmp_path)
    stream = ContextTar(str(tmp_path), paths)
    data = stream.read()
    assert len(data) == len(stream)
    assert stream.read() == b''
    ours = members(data)
    listing = b''.join(os.fsencode(path) + b'\0' for path in paths)
    reference = subprocess.run(
        ['tar', '-C', str(tmp_path), '--null', '--no-recursion', '--numeric-owner', '--owner=0', '--group=0',
         '-T', '-', '-cf', '-'], input=listing, stdout=subprocess.PIPE, check=True).stdout
    theirs = members(reference)
    assert [describe(member) for member, dummy in ours] == [describe(member) for member, dummy in theirs]
    assert [content for dummy, content in ours] == [content for dummy, content in theirs]
    by_name = {member.name: member for member, dummy in ours}
    assert [member.name for member, dummy in ours] == paths
    assert by_name['hardlink-to-script'].islnk() and by_name['hardlink-to-script'].linkname == 'script.sh'
    assert by_name['link-to-script'].issym() and by_name['script.sh'].mode == 0o750
    assert by_name['big.bin'].size == (1 << 20) * 2 + 123


def test_small_reads_and_readinto_give_the_same_bytes(tmp_path):
    paths = make_context(tmp_path)
    whole = ContextTar(str(tmp_path), paths).read()
    stream = ContextTar(str(tmp_path), paths)
    pieces = []
    while True:
        piece = stream.read(7000)
        if not piece:
            break
        assert len(piece) <= 7000
        pieces.append(piece)
    assert b''.join(pieces) == whole
    buffer = bytearray(len(whole) + 10)
    view, filled = memoryview(buffer), 0
    stream = ContextTar(str(tmp_path), paths)
    while True:
        count = stream.readinto(view[filled:])
        if not count:
            break
        filled += count
    assert bytes(buffer[:filled]) == whole


def test_a_socket_is_left_out_as_gnu_tar_does(tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM a\n')
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / 'sock'))
        stream = ContextTar(str(tmp_path), ['Dockerfile', 'sock'])
        data = stream.read()
    finally:
        server.close()
    assert [member.name for member, dummy in members(data)] == ['Dockerfile']
    assert len(data) == len(stream)


def test_a_path_that_is_gone_is_named(tmp_path):
    with pytest.raises(ContextChanged, match=r'cannot read missing\.txt: No such file or directory') as err:
        ContextTar(str(tmp_path), ['missing.txt'])
    assert isinstance(err.value, CasaError)


@pytest.mark.parametrize('new_size, message', [
    (10, r'data\.bin shrank while it was sent: 3000 bytes expected, 10 read'),
    (5000, r'data\.bin changed while it was sent: 3000 bytes when listed, 5000 now'),
])
def test_a_file_changed_between_listing_and_sending_stops_the_stream(tmp_path, new_size, message):
    (tmp_path / 'data.bin').write_bytes(b'x' * 3000)
    stream = ContextTar(str(tmp_path), ['data.bin'])
    (tmp_path / 'data.bin').write_bytes(b'y' * new_size)
    with pytest.raises(ContextChanged, match=message):
        stream.read()
        stream.read()
    assert stream.problem().startswith('the build context changed or could not be read: data.bin ')


def test_an_unreadable_file_is_named(tmp_path):
    (tmp_path / 'secret').write_text('s')
    stream = ContextTar(str(tmp_path), ['secret'])
    os.unlink(str(tmp_path / 'secret'))
    with pytest.raises(ContextChanged, match=r'cannot read secret: No such file or directory'):
        stream.read()
        stream.read()
