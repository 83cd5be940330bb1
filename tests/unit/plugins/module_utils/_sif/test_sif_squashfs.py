# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.squashfs: the sqfstar command and the stream through it (a stand-in
sqfstar on PATH, the root directory step left out), with the full-disk hint of _process."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._sif import layout, squashfs


def fake_sqfstar(tmp_path, monkeypatch, body):
    """A stand-in sqfstar writing what ``body`` does; the root directory step records its call."""
    bindir = tmp_path / 'bin'
    bindir.mkdir(exist_ok=True)
    tool = bindir / 'sqfstar'
    tool.write_text('#!/bin/sh\nfor arg; do out="$arg"; done\n' + body)
    tool.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ.get('PATH', '/usr/bin:/bin')))
    calls = []
    monkeypatch.setattr(squashfs, 'set_root_directory', lambda *args: calls.append(args))
    return calls


def image_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo('etc/passwd')
        info.size = 4
        tar.addfile(info, io.BytesIO(b'root'))
        info = tarfile.TarInfo('.dockerenv')
        tar.addfile(info, io.BytesIO(b''))
    return buf.getvalue()


def test_sqfstar_command():
    argv = squashfs.sqfstar_command('sqfstar', '/o.sqfs', 'zstd', 4, 1700000000)
    assert argv[-1] == '/o.sqfs'
    assert argv[argv.index('-comp') + 1] == 'zstd'
    assert argv[argv.index('-processors') + 1] == '4'
    assert argv[argv.index('-mkfs-time') + 1] == '1700000000'
    assert '-noI' in argv and '-exit-on-error' in argv


def test_make_squashfs_streams_the_filtered_tar_and_the_tail(tmp_path, monkeypatch):
    # SOURCE_DATE_EPOCH would make sqfstar refuse -mkfs-time: it is kept out of its environment.
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '5')
    calls = fake_sqfstar(tmp_path, monkeypatch, 'echo "${SOURCE_DATE_EPOCH-unset}" > "$out.env"\ncat > "$out"\n')
    output = tmp_path / 'rootfs.sqfs'
    entries = layout.singularity_d_entries({'Env': [], 'Cmd': ['true']}, '{}', 'bootstrap: x\n')
    seen = squashfs.make_squashfs([image_tar()], str(output), 'gzip', 2, entries, 1234)
    assert seen.has('etc/passwd')
    with tarfile.open(str(output)) as tar:
        members = dict((info.name, info) for info in tar.getmembers())
    assert 'etc/passwd' in members and '.singularity.d/runscript' in members and '.dockerenv' not in members
    # etc has no entry of its own: one is added with the conversion's time, not the clock's.
    assert members['etc'].isdir() and members['etc'].mtime == 1234 and members['etc'].mode == 0o755
    assert (tmp_path / 'rootfs.sqfs.env').read_text() == 'unset\n'
    assert calls == [(str(output), 0o755, 1234)]


def test_make_squashfs_failure_says_why(tmp_path, monkeypatch):
    fake_sqfstar(tmp_path, monkeypatch, 'cat > /dev/null\necho "write: No space left on device" >&2\nexit 1\n')
    output = str(tmp_path / 'rootfs.sqfs')
    with pytest.raises(_process.ProcessError, match='sqfstar.*failed.*rc=1.*no space left in %s' % tmp_path) as info:
        squashfs.make_squashfs([image_tar()], output, 'gzip', 2, [], 0)
    assert info.value.details['rc'] == 1 and info.value.details['command'][-1] == output


def test_make_squashfs_tool_that_stops_reading(tmp_path, monkeypatch):
    fake_sqfstar(tmp_path, monkeypatch, 'echo "cannot go on" >&2\nexit 0\n')
    info = tarfile.TarInfo('big')
    info.size = 8 << 20
    big = [info.tobuf(tarfile.PAX_FORMAT)] + [bytes(1 << 20)] * 8 + [bytes(1024)]
    with pytest.raises(_process.ProcessError, match='cannot go on'):
        squashfs.make_squashfs(big, str(tmp_path / 'rootfs.sqfs'), 'gzip', 2, [], 0)


def test_make_squashfs_without_sqfstar(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(_process, 'EXTRA_TOOL_DIRS', ())
    with pytest.raises(_process.ToolMissing, match='sqfstar is not installed.*squashfs-tools, version 4.5'):
        squashfs.make_squashfs([], str(tmp_path / 'rootfs.sqfs'), 'gzip', 2, [], 0)


def test_space_hint_from_the_message_or_the_free_space(tmp_path):
    output = str(tmp_path / 'rootfs.sqfs')
    assert 'no space left in %s' % tmp_path in _process.space_hint('write: No space left on device', output)
    # tar2sqfs only says "I/O error" on a full filesystem: the free space decides.
    assert _process.space_hint('rsh: I/O error.', output, low_water=0) == ''
    assert 'no space left' in _process.space_hint('rsh: I/O error.', output, low_water=1 << 62)


def test_make_squashfs_passes_a_known_stream_unfiltered(tmp_path, monkeypatch):
    fake_sqfstar(tmp_path, monkeypatch, 'cat > "$out"\n')
    output = tmp_path / 'rootfs.sqfs'

    class Present:
        def has(self, name):
            return name == 'dev'

        def missing_parents(self):
            return []
    present = Present()
    data = image_tar()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.getmembers()
        members_end = tar.offset
    # A flattened stream comes without end-of-archive blocks.
    seen = squashfs.make_squashfs([data[:members_end]], str(output), 'gzip', 2, [], 0, present=present)
    assert seen is present
    with tarfile.open(str(output)) as tar:
        names = tar.getnames()
    # The stream is passed on as given; the tail adds the base directories the image lacks.
    assert '.dockerenv' in names and 'proc' in names and 'dev' not in names
