# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The private work directory of a conversion, beside the destination (same filesystem, so the final
rename is atomic), and the ones left behind by killed conversions."""

from __future__ import annotations

import os
import tempfile

TMP_MARK = '.casa-sif-tmp-'


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_work_dir(dest):
    """A private directory beside ``dest`` (same filesystem, so the final rename is atomic)."""
    directory = os.path.dirname(os.path.abspath(dest))
    prefix = '%s%s%d-' % (os.path.basename(dest), TMP_MARK, os.getpid())
    return tempfile.mkdtemp(prefix='.' + prefix, dir=directory)


def stale_work_dirs(dest):
    """Work directories beside ``dest`` left by conversions whose process is gone (killed)."""
    directory = os.path.dirname(os.path.abspath(dest))
    prefix = '.%s%s' % (os.path.basename(dest), TMP_MARK)
    stale = []
    try:
        names = os.listdir(directory)
    except OSError:
        return stale
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix):].split('-', 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            stale.append(os.path.join(directory, name))
    return stale
