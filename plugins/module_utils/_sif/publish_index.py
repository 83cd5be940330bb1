# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a publish directory holds: its published builds, ``index.json`` (every build with its
size and checksums, and the latest per name) and the ``<name>-latest.sif`` symlinks."""

from __future__ import annotations

import datetime
import os
import re

from ansible_collections.casa.distro.plugins.module_utils._files import (
    PUBLIC_MODE, atomic_symlink, atomic_write, dump_json, file_sha256)
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_lock import PublishLock
from ansible_collections.casa.distro.plugins.module_utils._sif.side_files import json_object_or_none

INDEX_NAME = 'index.json'
INDEX_FORMAT = 1
_BUILD_JSON_RE = re.compile(r'^(.+)-(\d+)\.sif\.json$')


def _build_of(publish_dir, entry, name):
    """The published build described by the directory entry ``entry`` (``<name>-<N>.sif.json``
    whose SIF exists), or None. A JSON file that is unreadable is skipped, not reported."""
    match = _BUILD_JSON_RE.match(entry)
    if not match or entry.startswith('.') or match.group(1).endswith('-latest'):
        return None
    if name is not None and match.group(1) != name:
        return None
    sif = entry[:-len('.json')]
    sif_path = os.path.join(publish_dir, sif)
    data = json_object_or_none(os.path.join(publish_dir, entry))
    if data is None or not os.path.isfile(sif_path):
        return None
    data = dict(data)
    data.setdefault('name', match.group(1))
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
    builds.sort(key=lambda item: (item.get('name') or '', item['build_number']))
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
    return json_object_or_none(os.path.join(publish_dir, INDEX_NAME)) or {}


def index_without_time(index):
    data = dict(index or {})
    data.pop('generated', None)
    return data


def _index_differs(path, index):
    """Whether index.json must be (re)written; no index is written before the first build."""
    current = json_object_or_none(path)
    if current is None and not index['images']:
        return False
    return index_without_time(current) != index_without_time(index)


def _update_latest_links(publish_dir, index):
    changed = False
    for name, image in index['images'].items():
        for suffix in ('', '.json'):
            link = os.path.join(publish_dir, name + '-latest.sif' + suffix)
            target = image['latest'] + suffix
            if not (os.path.islink(link) and os.readlink(link) == target):
                atomic_symlink(target, link)
                changed = True
    return changed


def update_index(publish_dir, base_url=None, check_mode=False):
    """Rewrite index.json and the latest links from the published JSON files.

    Runs under a lock, so concurrent publishers write consistent indexes. Without ``base_url``,
    the one recorded in the index is kept. Returns (changed, index).
    """
    path = os.path.join(publish_dir, INDEX_NAME)
    if base_url is None:
        # Keep the URLs of the index when a task does not repeat base_url.
        base_url = read_index(publish_dir).get('base_url')
    if check_mode:
        index = build_index(publish_dir, base_url)
        return _index_differs(path, index), index
    with PublishLock(publish_dir):
        index = build_index(publish_dir, base_url)
        changed = _index_differs(path, index)
        if changed:
            atomic_write(path, dump_json(index), mode=PUBLIC_MODE)
        if _update_latest_links(publish_dir, index):
            changed = True
    return changed, index
