# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError
from ansible_collections.casa.distro.plugins.module_utils._sif.oras import (
    SIF_CONFIG_MEDIA_TYPE, SIF_LAYER_MEDIA_TYPE, SifPusher, fetch_sif, sif_layer, sif_manifest)

CONFIG = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
LAYER = 'sha256:' + 'b' * 64


def test_manifest_has_apptainer_media_types():
    manifest = json.loads(sif_manifest(CONFIG, LAYER, 1234, 'run.sif'))
    assert manifest['schemaVersion'] == 2
    assert manifest['mediaType'] == 'application/vnd.oci.image.manifest.v1+json'
    assert manifest['config'] == {'mediaType': SIF_CONFIG_MEDIA_TYPE, 'digest': CONFIG, 'size': 2}
    assert manifest['layers'] == [{'mediaType': SIF_LAYER_MEDIA_TYPE, 'digest': LAYER, 'size': 1234,
                                   'annotations': {'org.opencontainers.image.title': 'run.sif'}}]


def test_manifest_is_stable():
    assert sif_manifest(CONFIG, LAYER, 1, 'a.sif') == sif_manifest(CONFIG, LAYER, 1, 'a.sif')


def test_layer_of_a_sif_manifest():
    assert sif_layer(json.loads(sif_manifest(CONFIG, LAYER, 7, 'a.sif')), 'oras://r/a:1') == (LAYER, 7)


@pytest.mark.parametrize('manifest', [
    {}, {'layers': []}, {'layers': 'x'}, [],
    {'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': LAYER, 'size': 1}]},
    {'layers': [{'mediaType': SIF_LAYER_MEDIA_TYPE, 'digest': LAYER, 'size': 1}] * 2},
    {'layers': [{'mediaType': SIF_LAYER_MEDIA_TYPE, 'digest': LAYER, 'size': '1'}]},
])
def test_not_a_sif_artifact(manifest):
    with pytest.raises(PublishError, match='oras://r/a:1 is not a SIF artifact'):
        sif_layer(manifest, 'oras://r/a:1')


def test_layer_digest_is_checked():
    manifest = {'layers': [{'mediaType': SIF_LAYER_MEDIA_TYPE, 'digest': '../../etc', 'size': 1}]}
    with pytest.raises(InputError, match='SIF layer digest'):
        sif_layer(manifest, 'oras://r/a:1')


def test_fetch_needs_a_digest(tmp_path):
    with pytest.raises(PublishError, match='names a tag'):
        fetch_sif({}, 'oras://r/a:1', str(tmp_path / 'x.sif'), 'b' * 64)


def test_push_refuses_a_pinned_destination(tmp_path):
    with pytest.raises(PublishError, match='pinned by digest'):
        SifPusher({'src': str(tmp_path / 'a.sif'), 'dest': 'oras://r/a@' + LAYER}).run()


def test_push_refuses_a_missing_file(tmp_path):
    with pytest.raises(PublishError, match='is not a SIF file on this host'):
        SifPusher({'src': str(tmp_path / 'a.sif'), 'dest': 'oras://r/a:1'}).run()
