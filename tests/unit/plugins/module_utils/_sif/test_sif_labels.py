# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.labels: the SIF labels and the inspect metadata."""

from __future__ import annotations

import datetime
import json

from ansible_collections.casa.distro.plugins.module_utils._sif import labels as sif_labels


def test_sif_labels_and_inspect_metadata():
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    labels = sif_labels.sif_labels({'maintainer': 'me'}, 'amd64', 'casa/x:1',
                                   {'image_id': 'sha256:abc', 'reference': 'casa/x:1', 'digest': None},
                                   'gzip', 'native', 'uuid-1', now=now)
    assert labels['maintainer'] == 'me'
    assert labels['org.label-schema.build-date'] == 'Friday_02_January_2026_03:04:05_UTC'
    assert labels[sif_labels.LABEL_SOURCE_ID] == 'sha256:abc'
    assert labels[sif_labels.LABEL_SOURCE_DIGEST] == ''
    text = sif_labels.labels_json(labels)
    assert json.loads(text) == labels and '\n\t"maintainer"' in text
    meta = sif_labels.inspect_metadata(labels, 'def\n', 'run\n', {'/e.sh': 'x\n'}, 'start\n')
    assert meta['type'] == 'container'
    assert meta['data']['attributes']['labels'] == labels
    assert meta['data']['attributes']['environment'] == {'/e.sh': 'x'}
