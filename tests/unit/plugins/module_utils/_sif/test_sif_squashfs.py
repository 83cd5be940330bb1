# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.squashfs: the tar2sqfs command and the stream through it (a stand-in
tar2sqfs on PATH), with the full-disk hint of _process."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._sif import layout, squashfs


def fake_tar2sqfs(tmp_path, monkeypatch, body):
    bindir = tmp_path / 'bin'
    bindir.mkdir(exist_ok=True)
    tool = bindir / 'tar2sqfs'
    tool.write_text('#!/bin/sh\nfor arg; do out="$arg"; done\n' + body)
    tool.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ.get('PATH', '/usr/bin:/bin')))


def image_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo('etc/passwd')
        info.size = 4
        tar.addfile(info, io.BytesIO(b'root'))
        info = tarfile.TarInfo('.dockerenv')
        tar.addfile(info, io.BytesIO(b''))
    return buf.getvalue()


def test_tar2sqfs_command():
    argv = squashfs.tar2sqfs_command('tar2sqfs', '/o.sqfs', 'zstd', 4)
    assert argv[-1] == '/o.sqfs'
    assert argv[argv.index('--compressor') + 1] == 'zstd'
    assert argv[argv.index('--num-jobs') + 1] == '4'


def test_make_squashfs_streams_the_filtered_tar_and_the_tail(tmp_path, monkeypatch):
    fake_tar2sqfs(tmp_path, monkeypatch, 'cat > "$out"\n')
    output = tmp_path / 'rootfs.sqfs'
    entries = layout.singularity_d_entries({'Env': [], 'Cmd': ['true']}, '{}', 'bootstrap: x\n')
    seen = squashfs.make_squashfs([image_tar()], str(output), 'gzip', 2, entries, 0)
    assert seen.has('etc/passwd')
    with tarfile.open(str(output)) as tar:
        names = tar.getnames()
    assert 'etc/passwd' in names and '.singularity.d/runscript' in names and '.dockerenv' not in names


def test_make_squashfs_failure_says_why(tmp_path, monkeypatch):
    fake_tar2sqfs(tmp_path, monkeypatch, 'cat > /dev/null\necho "write: No space left on device" >&2\nexit 1\n')
    output = str(tmp_path / 'rootfs.sqfs')
    with pytest.raises(_process.ProcessError, match='tar2sqfs.*failed.*rc=1.*no space left in %s' % tmp_path) as info:
        squashfs.make_squashfs([image_tar()], output, 'gzip', 2, [], 0)
    assert info.value.details['rc'] == 1 and info.value.details['command'][-1] == output


def test_make_squashfs_tool_that_stops_reading(tmp_path, monkeypatch):
    fake_tar2sqfs(tmp_path, monkeypatch, 'echo "cannot go on" >&2\nexit 0\n')
    info = tarfile.TarInfo('big')
    info.size = 8 << 20
    big = [info.tobuf(tarfile.PAX_FORMAT)] + [bytes(1 << 20)] * 8 + [bytes(1024)]
    with pytest.raises(_process.ProcessError, match='cannot go on'):
        squashfs.make_squashfs(big, str(tmp_path / 'rootfs.sqfs'), 'gzip', 2, [], 0)


def test_make_squashfs_without_tar2sqfs(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(_process, 'EXTRA_TOOL_DIRS', ())
    with pytest.raises(_process.ToolMissing, match='tar2sqfs is not installed.*squashfs-tools-ng'):
        squashfs.make_squashfs([], str(tmp_path / 'rootfs.sqfs'), 'gzip', 2, [], 0)


def test_space_hint_from_the_message_or_the_free_space(tmp_path):
    output = str(tmp_path / 'rootfs.sqfs')
    assert 'no space left in %s' % tmp_path in _process.space_hint('write: No space left on device', output)
    # tar2sqfs only says "I/O error" on a full filesystem: the free space decides.
    assert _process.space_hint('rsh: I/O error.', output, low_water=0) == ''
    assert 'no space left' in _process.space_hint('rsh: I/O error.', output, low_water=1 << 62)


def test_make_squashfs_passes_a_known_stream_unfiltered(tmp_path, monkeypatch):
    fake_tar2sqfs(tmp_path, monkeypatch, 'cat > "$out"\n')
    output = tmp_path / 'rootfs.sqfs'

    class Present:
        def has(self, name):
            return name == 'dev'
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
