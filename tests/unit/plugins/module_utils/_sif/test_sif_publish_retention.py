# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_retention: the N newest builds kept, never the latest."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_retention


def builds(*numbers):
    return [{'file': 'img-%d.sif' % number, 'build_number': number} for number in numbers]


def test_the_newest_builds_and_the_latest_are_kept():
    assert publish_retention.builds_to_remove(builds(1, 2, 3), None) == []
    assert [b['file'] for b in publish_retention.builds_to_remove(builds(3, 1, 2, 4), 2)] == ['img-2.sif', 'img-1.sif']
    # latest pointing at an old build (published by hand): kept anyway.
    assert [b['file'] for b in publish_retention.builds_to_remove(builds(1, 2, 3), 1, {'img-1.sif'})] == ['img-2.sif']


def test_remove_build_and_current_latest(tmp_path):
    (tmp_path / 'img-1.sif').write_bytes(b'x')
    (tmp_path / 'img-1.sif.json').write_text('{}')
    (tmp_path / 'img-latest.sif').symlink_to('img-1.sif')
    assert publish_retention.current_latest(str(tmp_path), 'img') == 'img-1.sif'
    assert publish_retention.current_latest(str(tmp_path), 'other') is None
    publish_retention.remove_build(str(tmp_path), {'file': 'img-1.sif'})
    publish_retention.remove_build(str(tmp_path), {'file': 'img-1.sif'})  # already gone: fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ['img-latest.sif']
