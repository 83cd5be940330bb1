# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a publish directory holds: its published builds (``<name>-<N>.sif`` and its JSON) and
``index.json`` (every build with its size and checksums, and the latest per name).

Both kinds of JSON are checked against a declared schema when read: a build JSON of another
shape is not a build (skipped, as an unreadable one), an index of another shape is rebuilt."""

from __future__ import annotations

import datetime
import os
import re

from ansible_collections.casa.distro.plugins.module_utils._files import PUBLIC_MODE, atomic_write, dump_json, file_sha256
from ansible_collections.casa.distro.plugins.module_utils._schema import Field, Int, ListOf, MapOf, Record, Str
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_links import update_links
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_listing import update_listing
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_lock import PublishLock
from ansible_collections.casa.distro.plugins.module_utils._sif.side_files import (
    COUNT, LAYERS, TEXT, json_object_or_none, optional, parse_json_object)

INDEX_NAME = 'index.json'
INDEX_FORMAT = 1
_BUILD_JSON_RE = re.compile(r'^(.+)-(\d+)\.sif\.json$')

# ``<name>-<N>.sif.json``: the metadata written at publication (publish_metadata checked it);
# the fields the index and the lineage use are typed, other keys pass through.
BUILD_SCHEMA = Record({
    'name': TEXT, 'size': COUNT, 'build_number': COUNT, 'md5': TEXT, 'sha256': TEXT, 'image_id': TEXT,
    'image_version': TEXT, 'type': TEXT, 'system': TEXT, 'creation_time': TEXT, 'publication_time': TEXT,
    'origin_run': TEXT, 'source_image_id': TEXT, 'source_layers': LAYERS,
}, extra='allow', what='a build metadata object')

INDEX_SCHEMA = Record({
    'format': optional(Int()),
    'generated': TEXT,
    'base_url': TEXT,
    'images': MapOf(Record({
        'latest': TEXT, 'latest_build_number': COUNT, 'latest_link': TEXT,
        'builds': ListOf(Record({'file': Field(Str(), required=True)}, extra='allow', what='a build entry')),
    }, extra='allow', what='an image entry')),
}, extra='allow', what='an index object')


def parse_build_json(data, where):
    """A build JSON (bytes) as a dict; FileFormatError or SchemaError naming ``where``."""
    return parse_json_object(data, where, BUILD_SCHEMA)


def parse_index(data, where):
    """index.json (bytes) as a dict; FileFormatError or SchemaError naming ``where``."""
    return parse_json_object(data, where, INDEX_SCHEMA)


def _build_of(publish_dir, entry, name):
    """The published build described by the directory entry ``entry`` (``<name>-<N>.sif.json``
    whose SIF exists), or None. A JSON file that is unreadable or malformed is skipped, not
    reported. The name is the file's: a JSON naming another (``../x``) cannot make paths."""
    match = _BUILD_JSON_RE.match(entry)
    if not match or entry.startswith('.') or match.group(1).endswith('-latest'):
        return None
    if name is not None and match.group(1) != name:
        return None
    sif = entry[:-len('.json')]
    sif_path = os.path.join(publish_dir, sif)
    data = json_object_or_none(os.path.join(publish_dir, entry), BUILD_SCHEMA)
    if data is None or not os.path.isfile(sif_path):
        return None
    data = dict(data)
    data['name'] = match.group(1)
    data['build_number'] = int(match.group(2))
    data['file'] = sif
    data['published_size'] = os.path.getsize(sif_path)
    return data


def published_builds(publish_dir, name=None):
    """Every published build (one dict per ``<name>-<N>.sif.json`` whose SIF exists), sorted by
    name and build number."""
    try:
        entries = sorted(os.listdir(publish_dir))
    except FileNotFoundError:
        return []
    builds = [build for build in (_build_of(publish_dir, entry, name) for entry in entries) if build]
    builds.sort(key=lambda item: (item['name'], item['build_number']))
    return builds


def find_published(publish_dir, name, sha256, verify=False):
    """The published build of ``name`` whose checksum is ``sha256`` (and whose file has the
    recorded size; with ``verify``, whose content really has that checksum), or None."""
    for build in reversed(published_builds(publish_dir, name)):
        if build.get('sha256') != sha256:
            continue
        if build.get('size') is not None and build['published_size'] != build['size']:
            continue
        if verify and file_sha256(os.path.join(publish_dir, build['file'])) != sha256:
            continue
        return build
    return None


def _index_entry(build, base_url):
    entry = {
        'file': build['file'],
        'build_number': build['build_number'],
        'size': build['published_size'],
        'md5': build.get('md5'),
        'sha256': build.get('sha256'),
        'image_id': build.get('image_id'),
        'image_version': build.get('image_version'),
        'type': build.get('type'),
        'system': build.get('system'),
        'creation_time': build.get('creation_time'),
        'publication_time': build.get('publication_time'),
        'origin_run': build.get('origin_run'),
        'source_image_id': build.get('source_image_id'),
        'metadata': build['file'] + '.json',
    }
    if base_url:
        entry['url'] = base_url.rstrip('/') + '/' + build['file']
    return entry


def build_index(publish_dir, base_url=None, now=None):
    """The download index: every build with its size and checksums, and the latest per name."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    images = {}
    for build in published_builds(publish_dir):
        image = images.setdefault(build['name'], {'builds': []})
        image['builds'].append(_index_entry(build, base_url))
    for name, image in images.items():
        latest = max(image['builds'], key=lambda item: item['build_number'])
        image['latest'] = latest['file']
        image['latest_build_number'] = latest['build_number']
        image['latest_link'] = name + '-latest.sif'
    return {'format': INDEX_FORMAT, 'generated': now.replace(microsecond=0).isoformat(), 'images': images,
            'base_url': base_url}


def read_index(publish_dir):
    """The current index.json as a dict; an absent or unreadable one is rebuilt, so {} then."""
    return json_object_or_none(os.path.join(publish_dir, INDEX_NAME), INDEX_SCHEMA) or {}


def index_without_time(index):
    data = dict(index or {})
    data.pop('generated', None)
    return data


def _index_differs(path, index):
    """Whether index.json must be (re)written; no index is written before the first build."""
    current = json_object_or_none(path, INDEX_SCHEMA)
    if current is None and not index['images']:
        return False
    return index_without_time(current) != index_without_time(index)


def write_index(publish_dir, base_url=None, v2_names=()):
    """Rewrite index.json, the links and the HTML listing from the published JSON files; the
    caller holds the PublishLock. Returns (changed, index)."""
    path = os.path.join(publish_dir, INDEX_NAME)
    index = build_index(publish_dir, base_url)
    changed = _index_differs(path, index)
    if changed:
        atomic_write(path, dump_json(index), mode=PUBLIC_MODE)
    if update_links(publish_dir, index, v2_names):
        changed = True
    if update_listing(publish_dir, index):
        changed = True
    return changed, index


def update_index(publish_dir, base_url=None, check_mode=False, v2_names=(), locked=False):
    """Rewrite index.json, the latest links and the listing from the published JSON files.

    Runs under the lock (taken here unless ``locked``), so concurrent publishers write
    consistent indexes. Without ``base_url``, the one recorded in the index is kept. Returns
    (changed, index).
    """
    path = os.path.join(publish_dir, INDEX_NAME)
    if base_url is None:
        # Keep the URLs of the index when a task does not repeat base_url.
        base_url = read_index(publish_dir).get('base_url')
    if check_mode:
        index = build_index(publish_dir, base_url)
        return _index_differs(path, index), index
    if locked:
        return write_index(publish_dir, base_url, v2_names)
    with PublishLock(publish_dir):
        return write_index(publish_dir, base_url, v2_names)
