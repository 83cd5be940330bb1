# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metadata of an image to publish, checked before any of it is used.

Its name and checksum make paths in the publish directory (``<name>-<N>.sif``, the upload path
``.incoming/<name>-<sha256[:16]>.sif``) and its fields go to the index: a value of the wrong type
or form (``sha256: /../../x``) is refused with a message naming the field.
"""

from __future__ import annotations

import os
import re

from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, file_digests, read_json
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError, SifError
from ansible_collections.casa.distro.plugins.module_utils._sif.sif_format import read_sif

_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+-]*$')
# An image version is a name component too (casa-run-5.3): the same characters.
_VERSION_RE = _NAME_RE
_SHA256_RE = re.compile(r'^[0-9a-f]{64}$')
_MD5_RE = re.compile(r'^[0-9a-f]{32}$')
# Fields copied into the index, which clients read as strings.
_TEXT_FIELDS = ('type', 'system', 'image_id', 'creation_time', 'publication_time')


def validate_name(name):
    if not isinstance(name, str) or not name or not _NAME_RE.match(name) or name.endswith('.sif'):
        raise PublishError('Invalid image name %r: use letters, digits, ".", "_", "+" and "-", '
                           'without the .sif extension (for example casa-run-5.3)' % (name,))
    return name


def _check_pattern(metadata, key, pattern, expected):
    value = metadata.get(key)
    if value is None:
        return
    if not isinstance(value, str) or not pattern.match(value):
        raise PublishError('Invalid %s %r in metadata: %s expected' % (key, value, expected), field=key)


def _check_integer(metadata, key):
    value = metadata.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PublishError('Invalid %s %r in metadata: a non-negative integer expected' % (key, value), field=key)


def validate_metadata(metadata):
    """Check every field the publication uses; returns ``metadata`` (name already validated)."""
    if not metadata.get('sha256'):
        raise PublishError('metadata has no sha256 and no src is given: pass the side file '
                           '(<image>.sif.json) of the SIF as metadata')
    _check_pattern(metadata, 'sha256', _SHA256_RE, '64 lowercase hexadecimal digits')
    _check_pattern(metadata, 'md5', _MD5_RE, '32 lowercase hexadecimal digits')
    _check_pattern(metadata, 'image_version', _VERSION_RE,
                   'letters, digits, ".", "_", "+" and "-", starting with a letter or digit')
    _check_integer(metadata, 'size')
    _check_integer(metadata, 'build_number')
    for key in _TEXT_FIELDS:
        if metadata.get(key) is not None and not isinstance(metadata[key], str):
            raise PublishError('Invalid %s %r in metadata: a string expected' % (key, metadata[key]), field=key)
    if metadata.get('compatibility') is not None and not isinstance(metadata['compatibility'], list):
        raise PublishError('Invalid compatibility %r in metadata: a list expected' % (metadata['compatibility'],),
                           field='compatibility')
    return metadata


def side_file_metadata(src):
    """The side file ``<src>.json`` of the uploaded SIF, used when no metadata is given."""
    path = src + '.json'
    try:
        data = read_json(path, 'side file')
    except FileFormatError as exc:
        raise PublishError('metadata is not given and %s (the side file) is missing or unreadable: %s'
                           % (path, exc.msg))
    if not isinstance(data, dict):
        raise PublishError('metadata is not given and %s (the side file) is missing or unreadable: '
                           'not a JSON object' % path)
    return data


def check_sif(src):
    """PublishError unless ``src`` is a complete SIF file (header magic, descriptors in the file)."""
    try:
        read_sif(src)
    except SifError as exc:
        raise PublishError('src %s cannot be published: %s' % (src, exc.msg), src=src)


def publication_metadata(params):
    """The validated metadata of the image to publish: ``metadata``, else the side file of
    ``src``; name from ``name`` or the metadata; checksums from ``src`` when the metadata has
    none (``src`` must then be a SIF)."""
    metadata = params.get('metadata')
    src = params.get('src')
    if metadata is not None and not isinstance(metadata, dict):
        raise PublishError('metadata must be a dictionary (the side file of the SIF)')
    metadata = dict(metadata or {})
    if not metadata and src:
        metadata = side_file_metadata(src)
    name = params.get('name') or metadata.get('name')
    if not name:
        raise PublishError('The image name is unknown: set name, or metadata.name (the side file\'s "name")')
    metadata['name'] = validate_name(name)
    if not metadata.get('sha256') and src:
        if not os.path.isfile(src):
            raise PublishError('src %s does not exist on the publish host' % src)
        check_sif(src)
        metadata.update(file_digests(src, ('md5', 'sha256')))
        metadata['size'] = os.path.getsize(src)
    return validate_metadata(metadata)
