# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The labels of a SIF (the image's own, Apptainer's ``org.label-schema.*`` and ours) and the
``inspect-metadata.json`` object ``apptainer inspect`` reads."""

from __future__ import annotations

import datetime
import json


# Labels this collection records in the SIF (and its side file) to decide idempotence.
LABEL_SOURCE_ID = 'io.casa-distro.source-image-id'
LABEL_SOURCE_REF = 'io.casa-distro.source-reference'
LABEL_SOURCE_DIGEST = 'io.casa-distro.source-digest'
LABEL_COMPRESSION = 'io.casa-distro.sif.compression'
LABEL_BACKEND = 'io.casa-distro.sif.backend'
LABEL_SIF_IMAGE_ID = 'io.casa-distro.image-id'
# The time stamp of every file the native conversion writes (see reproducible.py).
LABEL_SOURCE_DATE_EPOCH = 'io.casa-distro.sif.source-date-epoch'


def build_date(now=None):
    """The ``org.label-schema.build-date`` format Apptainer uses."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime('%A_%d_%B_%Y_%H:%M:%S_UTC')


def sif_labels(image_labels, arch, deffile_from, source, compression, backend, sif_image_id, now=None):
    """Labels of the SIF: the image's own, Apptainer's ``org.label-schema.*`` and ours.

    ``source`` is a dict with ``image_id``, ``reference`` and ``digest``.
    """
    labels = dict(image_labels or {})
    labels.update({
        'org.label-schema.build-arch': arch,
        'org.label-schema.build-date': build_date(now),
        'org.label-schema.schema-version': '1.0',
        'org.label-schema.usage.singularity.deffile.bootstrap': 'docker-daemon',
        'org.label-schema.usage.singularity.deffile.from': deffile_from,
        LABEL_SOURCE_ID: source.get('image_id') or '',
        LABEL_SOURCE_REF: source.get('reference') or '',
        LABEL_SOURCE_DIGEST: source.get('digest') or '',
        LABEL_COMPRESSION: compression,
        LABEL_BACKEND: backend,
        LABEL_SIF_IMAGE_ID: sif_image_id,
    })
    return labels


def labels_json(labels):
    """labels.json as Apptainer writes it (sorted keys, tab indented)."""
    return json.dumps(labels, indent='\t', sort_keys=True)


def inspect_metadata(labels, deffile, runscript, env_scripts, startscript):
    """The ``inspect-metadata.json`` SIF object ``apptainer inspect`` reads."""
    return {
        'data': {
            'attributes': {
                'labels': labels,
                'deffile': deffile.rstrip('\n'),
                'runscript': runscript.rstrip('\n'),
                'startscript': startscript.rstrip('\n'),
                'environment': dict((path, text.rstrip('\n')) for path, text in env_scripts.items()),
            },
        },
        'type': 'container',
    }
