# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Publishing SIF images into a download directory: what casa_singularity_image does for
``state=published`` (casa-distro's ``publish_singularity`` and ``publish_base_image``).

Private to the collection: no stability promise.

The module runs on the publish host and works on its local download directory:

* it decides whether the image is already published (same SHA-256 as a published build), so that
  Ansible copies the file there only when it is needed;
* it allocates the next server-side build number ``<name>-<N>.sif`` atomically: the number is
  reserved by creating ``.casa-publish/<name>-<N>.reserved`` with ``O_CREAT|O_EXCL``, so two
  builders publishing at once get different numbers;
* it moves the uploaded file into place with a rename and writes ``<name>-<N>.sif.json`` through
  a temporary file, so that files appear complete or not at all;
* it keeps ``index.json`` (every published build with its size and checksums, and the latest
  build per name) and a ``<name>-latest.sif`` symlink (plus ``.json``) per image name.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import json
import os
import re

from ansible_collections.casa.distro.plugins.module_utils._files import (
    PUBLIC_MODE, atomic_copy, atomic_symlink, atomic_write, file_digests, file_sha256)

STATE_DIR = '.casa-publish'
INCOMING_DIR = '.incoming'
INDEX_NAME = 'index.json'
INDEX_FORMAT = 1
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+-]*$')


class PublishError(Exception):
    """Publishing failed. ``details`` is merged into the module's failure result."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


# ====================================================================== small helpers
def validate_name(name):
    if not name or not _NAME_RE.match(name) or name.endswith('.sif'):
        raise PublishError('Invalid image name %r: use letters, digits, ".", "_", "+" and "-", '
                           'without the .sif extension (for example casa-run-5.3)' % (name,))
    return name


def dump_json(data):
    return json.dumps(data, indent=4, sort_keys=True) + '\n'


def load_json(path):
    try:
        with open(path, 'r', encoding='utf-8') as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


# ====================================================================== build numbers
def numbered_name(name, number):
    return '%s-%d.sif' % (name, number)


def build_number_of(name, filename):
    """N when ``filename`` is ``<name>-<N>.sif`` or ``<name>-<N>.sif.json``, else None."""
    match = re.match(r'^%s-(\d+)\.sif(\.json)?$' % re.escape(name), filename)
    return int(match.group(1)) if match else None


def used_numbers(publish_dir, name):
    """Build numbers of ``name`` already published or reserved."""
    numbers = set()
    for directory in (publish_dir, os.path.join(publish_dir, STATE_DIR)):
        try:
            entries = os.listdir(directory)
        except FileNotFoundError:
            continue
        for entry in entries:
            candidate = entry[:-len('.reserved')] + '.sif' if entry.endswith('.reserved') else entry
            number = build_number_of(name, candidate)
            if number is not None:
                numbers.add(number)
    return numbers


def reserve_build_number(publish_dir, name, attempts=1000):
    """Reserve the next build number of ``name`` and return it.

    The reservation is the file ``.casa-publish/<name>-<N>.reserved``, created with
    ``O_CREAT|O_EXCL``: when two publishers pick the same number, exactly one creation succeeds
    and the other tries the next number. Reservations are never removed, so a number is never
    handed out twice, even after a failed publication.
    """
    state = os.path.join(publish_dir, STATE_DIR)
    os.makedirs(state, exist_ok=True)
    number = max(used_numbers(publish_dir, name) or {0}) + 1
    for _attempt in range(attempts):
        path = os.path.join(state, '%s-%d.reserved' % (name, number))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            number += 1
            continue
        with os.fdopen(fd, 'w') as handle:
            handle.write('%d\n' % os.getpid())
        return number
    raise PublishError('Could not reserve a build number for %s in %s after %d attempts'
                       % (name, publish_dir, attempts))


# ====================================================================== published state
def published_builds(publish_dir, name=None):
    """Every published build (one dict per ``<name>-<N>.sif.json`` whose SIF exists), sorted by
    name and build number."""
    builds = []
    try:
        entries = sorted(os.listdir(publish_dir))
    except FileNotFoundError:
        return builds
    for entry in entries:
        match = re.match(r'^(.+)-(\d+)\.sif\.json$', entry)
        if not match or entry.startswith('.') or match.group(1).endswith('-latest'):
            continue
        if name is not None and match.group(1) != name:
            continue
        sif = entry[:-len('.json')]
        sif_path = os.path.join(publish_dir, sif)
        data = load_json(os.path.join(publish_dir, entry))
        if data is None or not os.path.isfile(sif_path):
            continue
        data = dict(data)
        data.setdefault('name', match.group(1))
        data['build_number'] = int(match.group(2))
        data['file'] = sif
        data['published_size'] = os.path.getsize(sif_path)
        builds.append(data)
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


def build_index(publish_dir, base_url=None, now=None):
    """The download index: every build with its size and checksums, and the latest per name."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    images = {}
    for build in published_builds(publish_dir):
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
        image = images.setdefault(build['name'], {'builds': []})
        image['builds'].append(entry)
    for name, image in images.items():
        latest = max(image['builds'], key=lambda item: item['build_number'])
        image['latest'] = latest['file']
        image['latest_build_number'] = latest['build_number']
        image['latest_link'] = name + '-latest.sif'
    return {'format': INDEX_FORMAT, 'generated': now.replace(microsecond=0).isoformat(), 'images': images,
            'base_url': base_url}


class _Lock:
    """An exclusive flock on a file of the publish directory's state directory."""

    def __init__(self, publish_dir, name='index.lock'):
        state = os.path.join(publish_dir, STATE_DIR)
        os.makedirs(state, exist_ok=True)
        self.path = os.path.join(state, name)
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def index_without_time(index):
    data = dict(index or {})
    data.pop('generated', None)
    return data


def _index_differs(path, index):
    """Whether index.json must be (re)written; no index is written before the first build."""
    current = load_json(path)
    if current is None and not index['images']:
        return False
    return index_without_time(current) != index_without_time(index)


def update_index(publish_dir, base_url=None, check_mode=False):
    """Rewrite index.json and the latest links from the published JSON files.

    Runs under a lock, so concurrent publishers write consistent indexes. Without ``base_url``,
    the one recorded in the index is kept. Returns (changed, index).
    """
    path = os.path.join(publish_dir, INDEX_NAME)
    if base_url is None:
        # Keep the URLs of the index when a task does not repeat base_url.
        base_url = (load_json(path) or {}).get('base_url')
    if check_mode:
        index = build_index(publish_dir, base_url)
        return _index_differs(path, index), index
    with _Lock(publish_dir):
        index = build_index(publish_dir, base_url)
        changed = _index_differs(path, index)
        if changed:
            atomic_write(path, dump_json(index), mode=PUBLIC_MODE)
        for name, image in index['images'].items():
            for suffix in ('', '.json'):
                link = os.path.join(publish_dir, name + '-latest.sif' + suffix)
                target = image['latest'] + suffix
                if not (os.path.islink(link) and os.readlink(link) == target):
                    atomic_symlink(target, link)
                    changed = True
    return changed, index


# ====================================================================== the publisher
class Publisher:
    """Carries out one ``state=published`` task on the publish host."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.actions = []
        self.changed = False

    def metadata(self):
        metadata = dict(self.params.get('metadata') or {})
        src = self.params.get('src')
        if not metadata and src:
            side = load_json(src + '.json')
            if side is None:
                raise PublishError('metadata is not given and %s.json (the side file) is missing or '
                                   'unreadable' % src)
            metadata = side
        name = self.params.get('name') or metadata.get('name')
        if not name:
            raise PublishError('The image name is unknown: set name, or metadata.name (the side file\'s "name")')
        metadata['name'] = validate_name(name)
        if not metadata.get('sha256'):
            if not src:
                raise PublishError('metadata has no sha256 and no src is given: pass the side file '
                                   '(<image>.sif.json) of the SIF as metadata')
            if not os.path.isfile(src):
                raise PublishError('src %s does not exist on the publish host' % src)
            metadata.update(file_digests(src, ('md5', 'sha256')))
            metadata['size'] = os.path.getsize(src)
        return metadata

    def run(self):
        params = self.params
        publish_dir = os.path.abspath(params['publish_dir'])
        if not os.path.isdir(publish_dir):
            if self.check_mode:
                self.actions.append('Would create %s' % publish_dir)
            else:
                try:
                    os.makedirs(publish_dir, exist_ok=True)
                except OSError as exc:
                    raise PublishError('Cannot create publish_dir %s: %s' % (publish_dir, exc))
                self.actions.append('Created %s' % publish_dir)
                self.changed = True
        metadata = self.metadata()
        name = metadata['name']
        sha256 = metadata['sha256']
        base_url = params.get('base_url')
        result = {'name': name, 'sha256': sha256, 'publish_dir': publish_dir}
        before = load_json(os.path.join(publish_dir, INDEX_NAME)) or {}
        latest_before = ((before.get('images') or {}).get(name) or {}).get('latest')
        existing = find_published(publish_dir, name, sha256, verify=params.get('verify_published'))
        upload_path = os.path.join(publish_dir, INCOMING_DIR, '%s-%s.sif' % (name, sha256[:16]))
        if existing:
            result.update(up_to_date=True, upload_needed=False, build_number=existing['build_number'],
                          published_file=existing['file'],
                          published_path=os.path.join(publish_dir, existing['file']), published=False)
            self.actions.append('%s is up to date on the server as %s (same sha256)' % (name, existing['file']))
            self._discard_upload(params.get('src'), upload_path)
        else:
            src = params.get('src')
            result.update(up_to_date=False, upload_path=upload_path)
            if not self.check_mode and os.path.isdir(publish_dir):
                # Where Ansible copies the file to (ansible.builtin.copy does not create parents).
                os.makedirs(os.path.dirname(upload_path), exist_ok=True)
            if not src or not os.path.isfile(src):
                if src and not self.check_mode:
                    raise PublishError('src %s does not exist on the publish host: copy the SIF to '
                                       'upload_path first' % src, upload_path=upload_path)
                # Nothing to publish yet: say where Ansible should copy the file.
                result.update(upload_needed=True, published=False)
                self.actions.append('%s (sha256 %s) is not published: copy it to %s'
                                    % (name, sha256[:16], upload_path))
                if src and self.check_mode:
                    self.changed = True
            else:
                result.update(upload_needed=False)
                result.update(self.publish(publish_dir, src, metadata))
        index_changed, index = update_index(publish_dir, base_url, self.check_mode)
        if index_changed:
            self.changed = True
            self.actions.append('%s %s' % ('Would update' if self.check_mode else 'Updated',
                                           os.path.join(publish_dir, INDEX_NAME)))
        image = index['images'].get(name) or {}
        result.update(index_path=os.path.join(publish_dir, INDEX_NAME), latest=image.get('latest'),
                      builds=image.get('builds', []))
        if base_url and result.get('published_file'):
            result['url'] = base_url.rstrip('/') + '/' + result['published_file']
        result['diff'] = {'before': {'latest': latest_before},
                          'after': {'latest': result.get('published_file') if result.get('published') or (
                              self.check_mode and result.get('build_number') and not result.get('up_to_date'))
                              else image.get('latest')}}
        result.update(changed=self.changed, actions=self.actions)
        return result

    def _discard_upload(self, src, upload_path):
        """An uploaded copy that turned out not to be needed is removed (only from .incoming)."""
        if src and os.path.abspath(src) == upload_path and os.path.isfile(src) and not self.check_mode:
            os.unlink(src)

    def publish(self, publish_dir, src, metadata):
        size = os.path.getsize(src)
        if metadata.get('size') is not None and metadata['size'] != size:
            raise PublishError('src %s has %d bytes but its metadata says %d: incomplete upload?'
                               % (src, size, metadata['size']), src=src)
        if self.params.get('verify_src', True):
            found = file_digests(src, ('md5', 'sha256'))
            for algorithm in ('sha256', 'md5'):
                if metadata.get(algorithm) and found[algorithm] != metadata[algorithm]:
                    raise PublishError('src %s has %s %s but its metadata says %s: corrupt or wrong upload'
                                       % (src, algorithm, found[algorithm], metadata[algorithm]), src=src)
        if self.check_mode:
            self.changed = True
            number = max(used_numbers(publish_dir, metadata['name']) or {0}) + 1
            self.actions.append('Would publish %s as %s' % (src, numbered_name(metadata['name'], number)))
            return {'published': False, 'build_number': number, 'published_file': numbered_name(metadata['name'], number)}
        number = reserve_build_number(publish_dir, metadata['name'])
        filename = numbered_name(metadata['name'], number)
        target = os.path.join(publish_dir, filename)
        data = dict(metadata)
        data.update(build_number=number, size=size,
                    publication_time=datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat())
        # The image first (renamed: complete or absent), then its JSON: a client that sees the
        # JSON always finds the image.
        try:
            same_fs = os.stat(src).st_dev == os.stat(publish_dir).st_dev
            if same_fs:
                os.chmod(src, PUBLIC_MODE)
                os.rename(src, target)
            else:
                atomic_copy(src, target, mode=PUBLIC_MODE)
            atomic_write(target + '.json', dump_json(data), mode=PUBLIC_MODE)
        except OSError as exc:
            raise PublishError('Publishing %s as %s failed: %s%s' % (src, target, exc,
                                                                     ' (no space left on the device)'
                                                                     if exc.errno == errno.ENOSPC else ''))
        self.changed = True
        self.actions.append('Published %s as %s (build %d)' % (src, filename, number))
        return {'published': True, 'build_number': number, 'published_file': filename,
                'published_path': target, 'metadata': data}
