# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tree added to the image filesystem: ``/.singularity.d`` (scripts, labels, definition file)
and the base directories and symlinks Apptainer expects, as a tar appended to the exported stream."""

from __future__ import annotations

import io
import tarfile

from ansible_collections.casa.distro.plugins.module_utils._sif.scripts import (
    HEADER, action_scripts, base_env_scripts, docker_env_script, oci_runscript)


def singularity_d_entries(config, labels_text, deffile):
    """The files, directories and symlinks added to the image filesystem, as
    (name, kind, mode, payload) tuples: kind is 'dir', 'file' or 'symlink'.

    Base directories (dev, proc, ...) and root symlinks are only added when the image lacks them,
    which the caller decides (see OPTIONAL_ENTRIES).
    """
    entries = [
        ('.singularity.d', 'dir', 0o755, None),
        ('.singularity.d/libs', 'dir', 0o755, None),
        ('.singularity.d/actions', 'dir', 0o755, None),
        ('.singularity.d/env', 'dir', 0o755, None),
    ]
    for name, text in sorted(action_scripts().items()):
        entries.append(('.singularity.d/actions/' + name, 'file', 0o755, text))
    env_scripts = base_env_scripts()
    env_scripts['10-docker2singularity.sh'] = docker_env_script(config.get('Env'))
    for name, text in sorted(env_scripts.items()):
        entries.append(('.singularity.d/env/' + name, 'file', 0o755, text))
    entries += [
        ('.singularity.d/runscript', 'file', 0o755, oci_runscript(config.get('Entrypoint'), config.get('Cmd'))),
        ('.singularity.d/startscript', 'file', 0o755, HEADER),
        ('.singularity.d/labels.json', 'file', 0o644, labels_text),
        ('.singularity.d/Singularity', 'file', 0o644, deffile),
        # Apptainer empties these: the runtime binds the host's.
        ('etc/hosts', 'file', 0o644, ''),
        ('etc/resolv.conf', 'file', 0o644, ''),
    ]
    return entries


# Added only when the image has no such path.
OPTIONAL_ENTRIES = [
    ('dev', 'dir', 0o755, None),
    ('proc', 'dir', 0o755, None),
    ('sys', 'dir', 0o755, None),
    ('root', 'dir', 0o700, None),
    ('home', 'dir', 0o755, None),
    ('tmp', 'dir', 0o1777, None),
    ('etc', 'dir', 0o755, None),
    ('var', 'dir', 0o755, None),
    ('var/tmp', 'dir', 0o1777, None),
    ('singularity', 'symlink', 0o777, '.singularity.d/runscript'),
    ('.run', 'symlink', 0o777, '.singularity.d/actions/run'),
    ('.exec', 'symlink', 0o777, '.singularity.d/actions/exec'),
    ('.test', 'symlink', 0o777, '.singularity.d/actions/test'),
    ('.shell', 'symlink', 0o777, '.singularity.d/actions/shell'),
    ('environment', 'symlink', 0o777, '.singularity.d/env/90-environment.sh'),
]


def is_replaced(name):
    """Whether a member of the exported filesystem is dropped because we write our own."""
    return (name == '.dockerenv' or name == '.singularity.d' or name.startswith('.singularity.d/')
            or name in ('etc/hosts', 'etc/resolv.conf'))


def tail_tar(entries, present, mtime):
    """The tar bytes appended to the export stream: the parent directories that ``present`` (a
    NameIndex or PathIndex) holds without an entry of their own, ``entries`` plus the
    OPTIONAL_ENTRIES missing from ``present``, then the end-of-archive blocks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        # Listed after their children: they take our time stamp instead of the clock's.
        implied = [(name, 'dir', 0o755, None) for name in present.missing_parents()]
        optional = [entry for entry in OPTIONAL_ENTRIES if not present.has(entry[0])]
        # Parents before children, and the fixed entries after the optional directories.
        for name, kind, mode, payload in implied + optional + list(entries):
            info = tarfile.TarInfo(name)
            info.mode = mode
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = 'root'
            if kind == 'dir':
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == 'symlink':
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            else:
                data = payload.encode('utf-8')
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
