# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_recovery: what a killed publication left is completed or dropped."""

from __future__ import annotations

import json
import os

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_recovery
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_numbers import STATE_DIR


def test_an_image_without_its_json_is_completed_and_stale_files_dropped(tmp_path):
    (tmp_path / STATE_DIR).mkdir()
    (tmp_path / 'img-1.sif').write_bytes(b'image')
    pending = publish_recovery.pending_path(str(tmp_path), 'img-1.sif')
    with open(pending, 'w') as handle:
        json.dump({'build_number': 1}, handle)
    # The image never arrived: the pending JSON is dropped.
    orphan = publish_recovery.pending_path(str(tmp_path), 'img-2.sif')
    with open(orphan, 'w') as handle:
        handle.write('{}')
    (tmp_path / '.index.json.abc.tmp').write_text('half')
    (tmp_path / STATE_DIR / '.img-3.sif.json.pending.x.tmp').write_text('half')
    assert publish_recovery.recover(str(tmp_path)) == ['img-1.sif']
    assert json.loads((tmp_path / 'img-1.sif.json').read_text()) == {'build_number': 1}
    assert not os.path.exists(pending) and not os.path.exists(orphan)
    assert sorted(os.listdir(str(tmp_path))) == [STATE_DIR, 'img-1.sif', 'img-1.sif.json']
    assert os.listdir(str(tmp_path / STATE_DIR)) == []
    assert publish_recovery.recover(str(tmp_path / 'missing')) == []
