# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The squashfs of the image filesystem, streamed through ``sqfstar`` (squashfs-tools 4.5 or
later) on all cores.

``sqfstar`` is ``mksquashfs`` reading a tar: directories get Apptainer's link count (2 + their
subdirectories; ``tar2sqfs`` of squashfs-tools-ng counts every entry), and its output is the same
for the same stream whatever the number of processors, once every time stamp comes from the
stream: the filesystem's time is given, the parents the stream does not list are added to it
(layout.tail_tar), and the root directory, whose attributes ``sqfstar`` 4.5 takes from the clock
and the running user, is set afterwards (squashfs_root.py)."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._process import Process, find_tool
from ansible_collections.casa.distro.plugins.module_utils._sif.layout import is_replaced, tail_tar
from ansible_collections.casa.distro.plugins.module_utils._sif.squashfs_root import set_root_directory
from ansible_collections.casa.distro.plugins.module_utils._sif.tar_stream import filter_tar_stream


def cpu_count():
    """The CPUs this process may use (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


SQFSTAR_HINT = 'package squashfs-tools, version 4.5 or later'
ROOT_MODE = 0o755
# sqfstar refuses -mkfs-time when SOURCE_DATE_EPOCH is set (and would clamp every file's time to
# it): the time stamp is passed explicitly, the variable removed from its environment.
SQFSTAR_ENV = {'SOURCE_DATE_EPOCH': None}


def sqfstar_command(tool, output, compression, jobs, mtime):
    """The sqfstar command line. ``-noI`` leaves the inode table uncompressed so that the root
    directory can be set in place (about 40 more bytes per file in the SIF)."""
    return [tool, '-quiet', '-no-progress', '-force', '-exit-on-error', '-exports', '-noI',
            '-comp', compression, '-processors', str(jobs), '-mkfs-time', str(mtime), output]


def make_squashfs(chunks, output, compression, jobs, extra_entries, mtime, drop=is_replaced, present=None):
    """Stream a tar of the image filesystem through sqfstar into ``output``.

    ``extra_entries`` (see singularity_d_entries) are appended after the filtered stream.
    When the caller already knows the paths of the stream (``present``, filled by the time the
    chunks are consumed), the stream is passed on unfiltered. Returns the NameIndex of the
    image's members. A failure of sqfstar (a full disk included) raises _process.ProcessError.
    """
    tool = find_tool('sqfstar', SQFSTAR_HINT)
    argv = sqfstar_command(tool, output, compression, jobs, mtime)
    with Process(argv, what='sqfstar (making %s)' % output, stdin=True, env=SQFSTAR_ENV, output_path=output) as proc:
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
        except BrokenPipeError as exc:  # sqfstar died: its own error says why
            broken = exc
        proc.finish(broken)
    set_root_directory(output, ROOT_MODE, mtime)
    return seen
