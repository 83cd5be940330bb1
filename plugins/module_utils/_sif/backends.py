# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The conversion back ends: which one runs, and the ``apptainer|singularity build`` one (the
native one is squashfs.py and sif_format.py)."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._process import ToolMissing, failure, find_tool, run
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError
from ansible_collections.casa.distro.plugins.module_utils._sif.sif_format import sif_labels_of

BACKENDS = ('auto', 'native', 'apptainer', 'singularity')


def installed(tool):
    """The path of ``tool``, or None when it is not installed."""
    try:
        return find_tool(tool)
    except ToolMissing:
        return None


def available_backend(requested, which=None):
    """The back end to use: ``auto`` picks apptainer, then singularity, when installed."""
    which = which or installed
    if requested in ('apptainer', 'singularity'):
        if not which(requested):
            raise SifError('backend=%s but %s is not installed on this host (use backend=native, '
                           'which needs only sqfstar and siftool)' % (requested, requested))
        return requested
    if requested == 'auto':
        for tool in ('apptainer', 'singularity'):
            if which(tool):
                return tool
        return 'native'
    return 'native'


def tool_recipe(archive, labels):
    """The definition file building from the docker-archive ``archive``, with ``labels``."""
    lines = ['Bootstrap: docker-archive', 'From: %s' % archive, '', '%labels']
    lines += ['    %s %s' % (key, value) for key, value in sorted(labels.items())]
    return '\n'.join(lines) + '\n'


def build_with_tool(backend, tmp_sif, recipe, compression, jobs, on_line=None):
    """``<backend> build`` of ``recipe`` into ``tmp_sif``; returns the labels of the SIF built.
    ``on_line`` gets the tool's output as it prints it (a live log)."""
    argv = [find_tool(backend), 'build', '--force', '--mksquashfs-args',
            '-comp %s -processors %d' % (compression, jobs), tmp_sif, recipe]
    what = '%s build' % backend
    # The tool reports progress and errors on both streams: keep them in their order.
    result = run(argv, what, merge_stderr=True, check=False, output_path=tmp_sif, on_line=on_line)
    if result.rc != 0:
        error = failure(what, result.argv, result.rc, b'', result.stdout, tmp_sif)
        raise SifError(error.msg, **error.details)
    if not os.path.isfile(tmp_sif):
        raise SifError('%s produced no SIF: %s' % (what, result.text.strip()[-2000:]), command=result.argv)
    return sif_labels_of(tmp_sif)
