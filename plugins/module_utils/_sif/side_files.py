# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The files beside a SIF: ``<sif>.json`` (casa-distro v3 metadata plus checksums and source) and the
casa-distro v2 ``<sif>.md5`` and ``<sif>.dockerid``."""

from __future__ import annotations

import datetime
import os

from ansible_collections.casa.distro.plugins.module_utils._files import (
    PUBLIC_MODE, FileFormatError, atomic_write, file_digests, read_json, write_json)
from ansible_collections.casa.distro.plugins.module_utils._sif.labels import (
    LABEL_BACKEND, LABEL_COMPRESSION, LABEL_SIF_IMAGE_ID)


def side_file_path(sif_path):
    return sif_path + '.json'


def json_object_or_none(path):
    """The JSON object stored in ``path``, or None when the file is absent, unreadable, not JSON
    or not an object: such a file is rewritten (side file) or rebuilt (index), not reported."""
    try:
        data = read_json(path)
    except FileFormatError:
        return None
    return data if isinstance(data, dict) else None


def read_side_file(sif_path):
    """The side file of a SIF as a dict, or None when absent or unreadable."""
    return json_object_or_none(side_file_path(sif_path))


def side_file_data(sif_path, labels, size, digests, metadata, source, now=None):
    """The casa-distro v3 metadata of a SIF (``<sif>.json``), plus checksums and the source.

    ``metadata`` supplies name, type, system, image_version, origin ids, compatibility and any
    other key; ``name`` defaults to the file name without ``.sif``.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    base = os.path.basename(sif_path)
    data = {
        'name': base[:-4] if base.endswith('.sif') else base,
        'type': None,
        'system': None,
        'image_version': None,
        'container_type': 'singularity',
        'compatibility': [],
        'build_number': None,
    }
    data.update(dict((key, value) for key, value in (metadata or {}).items() if value is not None))
    data.update({
        'creation_time': now.replace(microsecond=0).isoformat(),
        'size': size,
        'md5': digests['md5'],
        'sha256': digests['sha256'],
        'image_id': labels.get(LABEL_SIF_IMAGE_ID),
        'source_image_id': source.get('image_id'),
        'source_reference': source.get('reference'),
        'source_digest': source.get('digest'),
        'compression': labels.get(LABEL_COMPRESSION),
        'backend': labels.get(LABEL_BACKEND),
        'arch': labels.get('org.label-schema.build-arch'),
    })
    return data


def write_side_file(sif_path, labels, metadata, source):
    """Checksum the SIF and write its side file (readable by the web server); returns the data."""
    digests = file_digests(sif_path, ('md5', 'sha256'))
    data = side_file_data(sif_path, labels, os.path.getsize(sif_path), digests, metadata, source)
    write_json(side_file_path(sif_path), data, mode=PUBLIC_MODE)
    return data


def v2_files(sif_path, md5, source_image_id):
    """casa-distro v2 clients read ``<sif>.md5`` (hex, no newline) and ``<sif>.dockerid``:
    (path, text) of each."""
    return [(sif_path + '.md5', md5), (sif_path + '.dockerid', source_image_id)]


def v2_file_current(path, text):
    """Whether ``path`` already holds ``text``."""
    try:
        with open(path, 'r', encoding='utf-8') as handle:
            return handle.read() == text
    except (OSError, UnicodeDecodeError):
        return False


def write_v2_file(path, text):
    atomic_write(path, text, mode=PUBLIC_MODE)
