# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_lineage: image_id and a dev image's origin_run."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_lineage

SHA = 'ab' * 32


def run_build(number, layers, version='5.3', image_id=None):
    return {'type': 'run', 'image_version': version, 'image_id': image_id or 'run-%d' % number,
            'source_layers': layers, 'build_number': number, 'file': 'casa-run-%s-%d.sif' % (version, number)}


def test_image_id_is_kept_or_derived_from_the_checksum():
    assert publish_lineage.image_id_of({'image_id': 'u', 'sha256': SHA}) == 'u'
    derived = publish_lineage.image_id_of({'sha256': SHA})
    assert derived == publish_lineage.image_id_of({'sha256': SHA}) and len(derived) == 36


def test_the_dev_image_is_paired_with_the_run_image_it_was_built_from():
    dev = {'type': 'dev', 'image_version': '5.3', 'sha256': SHA, 'source_layers': ['l1', 'l2', 'l3', 'd1']}
    builds = [run_build(1, ['l1', 'l2']), run_build(2, ['l1', 'l2', 'l3']), run_build(3, ['l1', 'x']),
              run_build(4, ['l1', 'l2', 'l3'], version='5.4'), run_build(5, ['l1', 'l2', 'l3', 'd1'])]
    data, run = publish_lineage.with_lineage(dev, builds)
    assert data['origin_run'] == 'run-2' and run['file'] == 'casa-run-5.3-2.sif'
    assert 'origin_run' not in dev  # the caller's metadata is left alone
    # Given by the user: kept. No parent published: none.
    assert publish_lineage.with_lineage(dict(dev, origin_run='mine'), builds)[0]['origin_run'] == 'mine'
    assert publish_lineage.with_lineage(dict(dev, source_layers=None), builds)[1] is None
    run_data, none = publish_lineage.with_lineage({'type': 'run', 'sha256': SHA, 'source_layers': ['l1']}, builds)
    assert none is None and 'origin_run' not in run_data
