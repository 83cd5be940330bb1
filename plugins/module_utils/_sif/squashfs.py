# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The squashfs of the image filesystem, streamed through ``tar2sqfs`` on all cores."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._process import Process, find_tool
from ansible_collections.casa.distro.plugins.module_utils._sif.layout import is_replaced, tail_tar
from ansible_collections.casa.distro.plugins.module_utils._sif.tar_stream import filter_tar_stream


def cpu_count():
    """The CPUs this process may use (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def tar2sqfs_command(tool, output, compression, jobs, block_size=None):
    argv = [tool, '--quiet', '--force', '--no-skip', '--exportable',
            '--compressor', compression, '--num-jobs', str(jobs)]
    if block_size:
        argv += ['--block-size', str(block_size)]
    argv.append(output)
    return argv


def make_squashfs(chunks, output, compression, jobs, extra_entries, mtime, drop=is_replaced, present=None):
    """Stream a tar of the image filesystem through tar2sqfs into ``output``.

    ``extra_entries`` (see singularity_d_entries) are appended after the filtered stream.
    When the caller already knows the paths of the stream (``present``, filled by the time the
    chunks are consumed), the stream is passed on unfiltered. Returns the NameIndex of the
    image's members. A failure of tar2sqfs (a full disk included) raises _process.ProcessError.
    """
    tool = find_tool('tar2sqfs', 'package squashfs-tools-ng')
    argv = tar2sqfs_command(tool, output, compression, jobs)
    with Process(argv, what='tar2sqfs (making %s)' % output, stdin=True, output_path=output) as proc:
        broken = None
        seen = None
        try:
            if present is None:
                seen = filter_tar_stream(chunks, proc.stdin.write, drop)
            else:
                for chunk in chunks:
                    proc.stdin.write(chunk)
                seen = present
            proc.stdin.write(tail_tar(extra_entries, seen, mtime))
        except BrokenPipeError as exc:  # tar2sqfs died: its own error says why
            broken = exc
        proc.finish(broken)
    return seen
