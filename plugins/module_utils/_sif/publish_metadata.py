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

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._files import file_digests, parse_json, read_bytes
from ansible_collections.casa.distro.plugins.module_utils._schema import Anything, Int, ListOf, Record, Str, key_path, show
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError, SifError
from ansible_collections.casa.distro.plugins.module_utils._sif.side_files import side_file_path, parse_side_file_value
from ansible_collections.casa.distro.plugins.module_utils._sif.sif_format import read_sif

NAME_PATTERN = r'[A-Za-z0-9][A-Za-z0-9._+-]*'
_NAME_RE = re.compile('^%s$' % NAME_PATTERN)
_NAME_CHARS = 'letters, digits, ".", "_", "+" and "-", starting with a letter or digit'
_TEXT = Str()

# The fields the publication uses (names and checksums make paths; the others go to the index,
# which clients read as strings). Other keys (origin, origin_dev...) pass through unchecked.
METADATA_SCHEMA = Record({
    'sha256': Str(pattern='[0-9a-f]{64}', what='64 lowercase hexadecimal digits'),
    'md5': Str(pattern='[0-9a-f]{32}', what='32 lowercase hexadecimal digits'),
    # An image version is a name component too (casa-run-5.3): the same characters.
    'image_version': Str(pattern=NAME_PATTERN, what=_NAME_CHARS),
    'size': Int(minimum=0), 'build_number': Int(minimum=0),
    'type': _TEXT, 'system': _TEXT, 'image_id': _TEXT, 'origin_run': _TEXT, 'creation_time': _TEXT,
    'publication_time': _TEXT, 'source_image_id': _TEXT,
    'compatibility': ListOf(Anything()), 'source_layers': ListOf(Str()),
}, extra='allow', what='a metadata mapping')
_EXPECTED = {'size': 'a non-negative integer', 'build_number': 'a non-negative integer',
             'compatibility': 'a list', 'source_layers': 'a list of strings'}


def validate_name(name):
    if not isinstance(name, str) or not name or not _NAME_RE.match(name) or name.endswith('.sif'):
        raise PublishError('Invalid image name %r: use letters, digits, ".", "_", "+" and "-", '
                           'without the .sif extension (for example casa-run-5.3)' % (name,))
    return name


def validate_metadata(metadata, where=None):
    """Check every field the publication uses against METADATA_SCHEMA (null means absent);
    returns ``metadata`` unchanged. ``where`` names the side file it was read from."""
    if not metadata.get('sha256'):
        raise PublishError('metadata has no sha256 and no src is given: pass the side file '
                           '(<image>.sif.json) of the SIF as metadata')

    def refuse(path, problem):
        key = path[0] if path else None
        node = METADATA_SCHEMA.fields.get(key)
        expected = _EXPECTED.get(key) or (node.node.describe() if node else problem)
        deeper = ' (%s: %s)' % (key_path(path), problem) if len(path) > 1 else ''
        raise PublishError('Invalid %s %s in metadata%s: %s expected%s'
                           % (key, show(metadata.get(key)), ' (%s)' % where if where else '', expected, deeper),
                           field=key)

    present = dict((key, value) for key, value in metadata.items() if value is not None)
    METADATA_SCHEMA.check_at(present, [], refuse)
    return metadata


def side_file_metadata(src):
    """The side file ``<src>.json`` of the uploaded SIF, used when no metadata is given."""
    path = side_file_path(src)
    try:
        data = parse_json(read_bytes(path, 'side file'), path)
        if not isinstance(data, dict):
            raise PublishError('metadata is not given and %s (the side file) is missing or unreadable: '
                               'not a JSON object' % path)
        return parse_side_file_value(data, path)
    except InputError as exc:
        raise PublishError('metadata is not given and %s (the side file) is missing or unreadable: %s'
                           % (path, exc.msg), file=path)


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
    where = None
    if not metadata and src:
        metadata = side_file_metadata(src)
        where = side_file_path(src)
    name = params.get('name') or metadata.get('name')
    if not name:
        raise PublishError('The image name is unknown: set name, or metadata.name (the side file\'s "name")')
    metadata['name'] = validate_name(name)
    if not metadata.get('sha256') and src:
        if os.path.isdir(src):
            raise PublishError('src %s is a directory, expected a SIF file' % src, src=src)
        if not os.path.isfile(src):
            raise PublishError('src %s does not exist on the publish host%s'
                               % (src, ' (dangling symlink)' if os.path.islink(src) else ''))
        check_sif(src)
        metadata.update(file_digests(src, ('md5', 'sha256')))
        metadata['size'] = os.path.getsize(src)
    return validate_metadata(metadata, where)
