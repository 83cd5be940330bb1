# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The casa-distro identity and lineage of a build: ``image_id`` and, for a dev image,
``origin_run`` (the ``image_id`` of the run image it was built FROM).

casa-distro clients pair a dev image with its run image by ``origin_run == image_id``. When the
metadata does not say it, the side file does: ``source_layers`` lists the layers of the Docker
image a SIF was made from, and a Docker image built FROM another starts with all of its
layers. The run image is the published run build of the same ``image_version`` whose layers
are the longest proper prefix of the dev image's (the latest such build when several are).
"""

from __future__ import annotations

import uuid


def image_id_of(metadata):
    """The image_id of the metadata, or one derived from its sha256 (stable: republishing the
    same file gives the same ID)."""
    return metadata.get('image_id') or str(uuid.UUID(hex=metadata['sha256'][:32]))


def _is_parent(parent_layers, layers):
    return bool(parent_layers) and len(parent_layers) < len(layers) and layers[:len(parent_layers)] == parent_layers


def run_image_of(metadata, builds):
    """The published run build the dev image of ``metadata`` was built FROM, or None."""
    layers = metadata.get('source_layers') or []
    candidates = [build for build in builds
                  if build.get('type') == 'run' and build.get('image_version') == metadata.get('image_version')
                  and build.get('image_id') and _is_parent(build.get('source_layers'), layers)]
    if not candidates:
        return None
    return max(candidates, key=lambda build: (len(build['source_layers']), build['build_number']))


def with_lineage(metadata, builds):
    """``metadata`` with image_id and (for a dev image) origin_run filled when missing; the
    run build found is returned too (or None)."""
    data = dict(metadata)
    data['image_id'] = image_id_of(data)
    run = None
    if data.get('type') == 'dev' and not data.get('origin_run'):
        run = run_image_of(data, builds)
        if run:
            data['origin_run'] = run['image_id']
    return data, run
