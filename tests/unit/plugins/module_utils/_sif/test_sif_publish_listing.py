# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_listing: the index.html table casa-distro clients parse."""

from __future__ import annotations

import importlib.util
import json
import os

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_index, publish_listing

# The integration test's client, written from casa-distro's description: the same parser here,
# so that what this test reads is what the client run against nginx reads.
CLIENT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'integration',
                           'targets', 'casa_singularity_image', 'files', 'casa_distro_client.py')
_SPEC = importlib.util.spec_from_file_location('casa_distro_client', CLIENT_PATH)
client = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(client)
IMAGE_RE = client.IMAGE_RE
client_names = client.listing_names


def publish_by_hand(directory, name, number, **fields):
    (directory / ('%s-%d.sif' % (name, number))).write_bytes(b'x' * number)
    data = dict({'size': number, 'sha256': '%d' % number * 64, 'publication_time': '2026-01-0%dT00:00:00' % number},
                **fields)
    (directory / ('%s-%d.sif.json' % (name, number))).write_text(json.dumps(data))


def test_listing_shows_complete_builds_that_the_client_finds(tmp_path):
    publish_by_hand(tmp_path, 'casa-run-5.3', 1)
    publish_by_hand(tmp_path, 'casa-run-5.3', 2)
    publish_by_hand(tmp_path, 'casa-dev-5.3', 1)
    (tmp_path / 'casa-run-5.3-3.sif').write_bytes(b'no json yet')  # incomplete: not listed
    (tmp_path / '.incoming').mkdir()
    (tmp_path / '.incoming' / 'casa-run-5.3-abc.sif').write_bytes(b'upload')
    changed, dummy_index = publish_index.update_index(str(tmp_path))
    text = (tmp_path / 'index.html').read_text()
    names = client_names(text)
    assert 'casa-run-5.3-3.sif' not in names and not [n for n in names if n.startswith('.')]
    latest = {}
    for name in names:
        match = IMAGE_RE.match(name)
        if match:
            key = (match.group(1), match.group(2), match.group(4))
            latest[key] = max(latest.get(key, 0), int(match.group(3)))
    assert latest == {('casa-run', '5.3', 'sif'): 2, ('casa-dev', '5.3', 'sif'): 1}
    assert 'casa-run-5.3-2.sif.json' in names and 'index.json' in names
    assert changed and publish_index.update_index(str(tmp_path))[0] is False  # stable: no time in it


def test_names_are_escaped_and_nothing_is_written_before_the_first_build(tmp_path):
    assert publish_listing.update_listing(str(tmp_path), {'images': {}}) is False
    assert not (tmp_path / 'index.html').exists()
    index = {'images': {'a<b>&c': {'latest': 'a<b>&c-1.sif', 'builds': [{'file': 'a<b>&c-1.sif', 'size': 3000}]}}}
    text = publish_listing.listing_html(str(tmp_path), index)
    assert '<b>' not in text and 'a&lt;b&gt;&amp;c-1.sif' in text and 'href="a%3Cb%3E%26c-1.sif"' in text
    assert '2.9K' in text
