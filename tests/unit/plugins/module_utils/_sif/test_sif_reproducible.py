# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.reproducible: the time stamp of a conversion and its content ID."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._sif import reproducible


@pytest.mark.parametrize('created, epoch', [
    ('2024-05-01T12:00:00Z', 1714564800),
    ('2024-05-01T12:00:00.123456789Z', 1714564800),
    ('2024-05-01T14:00:00.5+02:00', 1714564800),
    ('2024-05-01T10:00:00-02:00', 1714564800),
    ('1970-01-01T00:00:00Z', 0),
    ('', 0), (None, 0), ('yesterday', 0), (5, 0),
])
def test_image_epoch(created, epoch):
    assert reproducible.image_epoch(created) == epoch


def test_source_date_epoch_overrides_the_image_time():
    created = '2024-05-01T12:00:00Z'
    assert reproducible.source_date_epoch(created, {}) == 1714564800
    assert reproducible.source_date_epoch(created, {'SOURCE_DATE_EPOCH': ''}) == 1714564800
    assert reproducible.source_date_epoch(created, {'SOURCE_DATE_EPOCH': '86400'}) == 86400
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH must be a number of seconds.*'tomorrow'"):
        reproducible.source_date_epoch(created, {'SOURCE_DATE_EPOCH': 'tomorrow'})


def test_content_id_is_a_stable_uuid_of_its_parts():
    first = reproducible.content_id({'b': 1, 'a': 2}, 'deffile', 'gzip')
    assert first == reproducible.content_id({'a': 2, 'b': 1}, 'deffile', 'gzip')
    assert uuid.UUID(first).version == 5
    assert first != reproducible.content_id({'a': 2, 'b': 1}, 'deffile', 'zstd')
    assert first != reproducible.content_id({'a': 2, 'b': 1}, 'other deffile', 'gzip')
