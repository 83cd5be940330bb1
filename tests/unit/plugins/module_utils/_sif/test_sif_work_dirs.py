# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.work_dirs: the private work directory and the leftovers of killed runs."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._sif import work_dirs


def test_stale_work_dirs(tmp_path):
    dest = str(tmp_path / 'x.sif')
    mine = work_dirs.make_work_dir(dest)
    dead = tmp_path / ('.x.sif%s%d-abc' % (work_dirs.TMP_MARK, 2 ** 22 + 12345))
    dead.mkdir()
    other = tmp_path / ('.y.sif%s1-abc' % work_dirs.TMP_MARK)
    other.mkdir()
    assert os.path.dirname(mine) == str(tmp_path)
    assert work_dirs.stale_work_dirs(dest) == [str(dead)]
