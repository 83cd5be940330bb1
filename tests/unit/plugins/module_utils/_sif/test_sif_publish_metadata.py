# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_metadata: every field checked before use."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_metadata
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError

GOOD = {'name': 'casa-run-5.3', 'sha256': 'a' * 64, 'md5': 'b' * 32, 'size': 12, 'image_version': '5.3',
        'type': 'run', 'system': 'ubuntu-22.04', 'image_id': 'cf563533-eb80', 'build_number': None,
        'creation_time': '2026-01-02T03:04:05+00:00', 'compatibility': [], 'origin': {'any': 'thing'}}


@pytest.mark.parametrize('name', ['', 'a/b', '../x', 'x.sif', '-x', None, 5, ['x'], '.hidden', 'a b'])
def test_invalid_names(name):
    with pytest.raises(PublishError, match='Invalid image name'):
        publish_metadata.validate_name(name)


def test_valid_metadata_is_returned_unchanged():
    assert publish_metadata.validate_metadata(dict(GOOD)) == GOOD
    assert publish_metadata.publication_metadata({'metadata': dict(GOOD), 'name': None, 'src': None}) == GOOD


@pytest.mark.parametrize('field, value, message', [
    ('sha256', '/../../../../x', 'Invalid sha256'),
    ('sha256', 'A' * 64, 'Invalid sha256'),
    ('sha256', 'a' * 65, 'Invalid sha256'),
    ('sha256', 12, 'Invalid sha256'),
    ('md5', '../x', 'Invalid md5'),
    ('md5', 'a' * 64, 'Invalid md5'),
    ('size', '12', 'Invalid size'),
    ('size', -1, 'Invalid size'),
    ('size', True, 'Invalid size'),
    ('build_number', 1.5, 'Invalid build_number'),
    ('image_version', '../5.3', 'Invalid image_version'),
    ('image_version', 5.3, 'Invalid image_version'),
    ('image_version', '5.3/x', 'Invalid image_version'),
    ('type', ['run'], 'Invalid type'),
    ('system', {'a': 1}, 'Invalid system'),
    ('image_id', 3, 'Invalid image_id'),
    ('creation_time', 0, 'Invalid creation_time'),
    ('compatibility', 'x', 'Invalid compatibility'),
])
def test_invalid_fields(field, value, message):
    metadata = dict(GOOD, **{field: value})
    with pytest.raises(PublishError, match=message) as info:
        publish_metadata.validate_metadata(metadata)
    assert info.value.details == {'field': field}


def test_name_option_wins_and_is_checked():
    params = {'metadata': dict(GOOD), 'name': 'other-1.0', 'src': None}
    assert publish_metadata.publication_metadata(params)['name'] == 'other-1.0'
    with pytest.raises(PublishError, match='Invalid image name'):
        publish_metadata.publication_metadata(dict(params, name='../other'))
    with pytest.raises(PublishError, match='metadata must be a dictionary'):
        publish_metadata.publication_metadata(dict(params, metadata=['x']))


def test_checksums_are_computed_from_a_sif_src(tmp_path, sif_content):
    src = tmp_path / 'x.sif'
    src.write_bytes(sif_content(b'data'))
    metadata = publish_metadata.publication_metadata({'metadata': {'name': 'x'}, 'name': None, 'src': str(src)})
    assert len(metadata['sha256']) == 64 and len(metadata['md5']) == 32 and metadata['size'] == src.stat().st_size
    with pytest.raises(PublishError, match='does not exist on the publish host'):
        publish_metadata.publication_metadata({'metadata': {'name': 'x'}, 'name': None,
                                               'src': str(tmp_path / 'missing.sif')})
