# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What makes a native conversion reproducible (the same image gives the same SIF, byte for byte):
the time stamp of everything written (the image's creation time, or SOURCE_DATE_EPOCH), and an
ID derived from what the SIF is made of instead of a random one."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import uuid

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

# Bumped whenever the native conversion writes other bytes for the same inputs, so that the
# content ID changes with them.
NATIVE_FORMAT = 'casa.distro native SIF 3'

_CREATED = re.compile(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$')


def image_epoch(created):
    """The image's creation time (Docker's ``Created``, RFC 3339 with nanoseconds) in seconds
    since the epoch; 0 when the image has none."""
    match = _CREATED.match(created or '') if isinstance(created, str) else None
    if not match:
        return 0
    stamp = datetime.datetime.strptime(match.group(1), '%Y-%m-%dT%H:%M:%S')
    zone = match.group(2)
    offset = 0
    if zone != 'Z':
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * 60 * (1 if zone[0] == '+' else -1)
    epoch = int(stamp.replace(tzinfo=datetime.timezone.utc).timestamp()) - offset
    return max(0, epoch)


def source_date_epoch(created, environ):
    """The time stamp of a conversion: SOURCE_DATE_EPOCH when set (reproducible-builds.org), the
    image's creation time otherwise."""
    value = environ.get('SOURCE_DATE_EPOCH')
    if value is None or value == '':
        return image_epoch(created)
    if not re.match(r'^\d{1,12}$', value):
        raise InputError('SOURCE_DATE_EPOCH must be a number of seconds since 1970-01-01, got %r' % value[:40])
    return int(value)


def content_id(*parts):
    """A UUID (version 5 layout) derived from ``parts`` (JSON-serialisable) and NATIVE_FORMAT."""
    text = json.dumps([NATIVE_FORMAT] + list(parts), sort_keys=True, separators=(',', ':'))
    return str(uuid.UUID(bytes=hashlib.sha256(text.encode('utf-8')).digest()[:16], version=5))
