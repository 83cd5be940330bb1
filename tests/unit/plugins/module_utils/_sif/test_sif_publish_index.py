# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_index: published builds, index.json and the latest links."""

from __future__ import annotations

import json
import os

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_index


def publish_by_hand(directory, name, number, content, **fields):
    sif = directory / ('%s-%d.sif' % (name, number))
    sif.write_bytes(content)
    data = dict({'size': len(content), 'sha256': 'a' * 64}, **fields)
    (directory / ('%s-%d.sif.json' % (name, number))).write_text(json.dumps(data))


def test_index_and_latest_links(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    publish_by_hand(tmp_path, 'img', 2, b'two!', sha256='b' * 64)
    publish_by_hand(tmp_path, 'other', 1, b'x')
    changed, index = publish_index.update_index(str(tmp_path), 'http://h/dl')
    assert changed and index['format'] == publish_index.INDEX_FORMAT
    image = index['images']['img']
    assert [b['file'] for b in image['builds']] == ['img-1.sif', 'img-2.sif']
    assert image['latest'] == 'img-2.sif' and image['builds'][1]['url'] == 'http://h/dl/img-2.sif'
    assert os.readlink(str(tmp_path / 'img-latest.sif')) == 'img-2.sif'
    assert os.readlink(str(tmp_path / 'other-latest.sif.json')) == 'other-1.sif.json'
    assert json.loads((tmp_path / 'index.json').read_text())['images'] == index['images']
    assert publish_index.update_index(str(tmp_path))[0] is False  # base_url kept, nothing new
    assert publish_index.find_published(str(tmp_path), 'img', 'b' * 64)['build_number'] == 2
    assert publish_index.find_published(str(tmp_path), 'img', 'c' * 64) is None


def test_unreadable_json_is_skipped_and_unreadable_index_rebuilt(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    (tmp_path / 'img-2.sif').write_bytes(b'two')
    (tmp_path / 'img-2.sif.json').write_text('{"size": ')  # a malformed build JSON: not a build
    (tmp_path / 'img-3.sif.json').write_text('{}')  # no SIF: not a build
    assert [b['build_number'] for b in publish_index.published_builds(str(tmp_path))] == [1]
    (tmp_path / 'index.json').write_text('not JSON')
    assert publish_index.read_index(str(tmp_path)) == {}
    changed, index = publish_index.update_index(str(tmp_path))
    assert changed and index['base_url'] is None
    assert json.loads((tmp_path / 'index.json').read_text())['images']['img']['latest'] == 'img-1.sif'


def test_check_mode_writes_nothing(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    changed, dummy_index = publish_index.update_index(str(tmp_path), check_mode=True)
    assert changed and sorted(os.listdir(str(tmp_path))) == ['img-1.sif', 'img-1.sif.json']
