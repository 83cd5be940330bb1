# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The files beside a SIF: ``<sif>.json`` (casa-distro v3 metadata plus checksums and source) and the
casa-distro v2 ``<sif>.md5`` and ``<sif>.dockerid``."""

from __future__ import annotations

import datetime
import os

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._files import (
    PUBLIC_MODE, atomic_write, file_digests, parse_json, read_bytes, write_json)
from ansible_collections.casa.distro.plugins.module_utils._schema import (
    Anything, Int, ListOf, Null, OneOf, Record, Str, check)
from ansible_collections.casa.distro.plugins.module_utils._sif.labels import (
    LABEL_BACKEND, LABEL_COMPRESSION, LABEL_SIF_IMAGE_ID)


def optional(node):
    return OneOf(node, Null())


TEXT = optional(Str())
COUNT = optional(Int(minimum=0))
# Every layer of the source image (its RootFS diff IDs, oldest first): a dev image built FROM a
# run image starts with the run image's layers, which is how publication finds origin_run.
LAYERS = optional(ListOf(Str()))

# What this collection writes in ``<sif>.json`` (side_file_data); other keys (origin,
# origin_dev...) come from the user's metadata and are passed through unchecked.
SIDE_FILE_SCHEMA = Record({
    'name': TEXT, 'type': TEXT, 'system': TEXT, 'image_version': TEXT, 'container_type': TEXT,
    'compatibility': optional(ListOf(Anything())), 'build_number': COUNT, 'creation_time': TEXT,
    'size': COUNT, 'md5': TEXT, 'sha256': TEXT, 'image_id': TEXT, 'origin_run': TEXT,
    'source_image_id': TEXT, 'source_reference': TEXT, 'source_digest': TEXT, 'source_layers': LAYERS,
    'compression': TEXT, 'backend': TEXT, 'arch': TEXT,
}, extra='allow', what='a side file object')


def side_file_path(sif_path):
    return sif_path + '.json'


def parse_json_object(data, where, schema):
    """The JSON object ``data`` (bytes) checked against ``schema``, unchanged; FileFormatError or
    SchemaError naming ``where`` otherwise."""
    value = parse_json(data, where)
    check(schema, value, where)
    return value


def json_object_or_none(path, schema):
    """The JSON object stored in ``path`` when it matches ``schema``, or None when the file is
    absent, unreadable, not JSON or of another shape: such a file is rewritten (side file) or
    rebuilt (index), not reported."""
    try:
        return parse_json_object(read_bytes(path, 'JSON file'), path, schema)
    except InputError:  # FileFormatError or SchemaError
        return None


def parse_side_file_value(value, where):
    """A side file's parsed JSON ``value`` checked against SIDE_FILE_SCHEMA, unchanged."""
    check(SIDE_FILE_SCHEMA, value, where)
    return value


def parse_side_file(data, where):
    """The side file ``data`` (bytes) as a dict; FileFormatError or SchemaError naming ``where``."""
    return parse_json_object(data, where, SIDE_FILE_SCHEMA)


def read_side_file(sif_path):
    """The side file of a SIF as a dict, or None when absent, unreadable or malformed."""
    return json_object_or_none(side_file_path(sif_path), SIDE_FILE_SCHEMA)


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
        'source_layers': source.get('layers'),
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
