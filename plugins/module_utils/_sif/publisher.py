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
* it allocates the next server-side build number ``<name>-<N>.sif`` atomically (publish_numbers);
* it moves the uploaded file into place with a rename and writes ``<name>-<N>.sif.json`` through
  a temporary file, so that files appear complete or not at all;
* it keeps ``index.json`` and the ``<name>-latest.sif`` symlinks (publish_index).

Nothing is written outside the publish directory: the metadata that names files is validated
first (publish_metadata).
"""

from __future__ import annotations

import datetime
import errno
import os

from ansible_collections.casa.distro.plugins.module_utils._files import (
    PUBLIC_MODE, atomic_copy, file_digests, write_json)
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_index import (
    INDEX_NAME, find_published, read_index, update_index)
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_metadata import check_sif, publication_metadata
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_numbers import (
    next_build_number, numbered_name, reserve_build_number)
from ansible_collections.casa.distro.plugins.module_utils._sif.task import SifTask

INCOMING_DIR = '.incoming'


def _inside(directory, path):
    """Whether ``path`` lies inside ``directory`` (no ``..`` or symlink leads out of it)."""
    directory = os.path.realpath(directory)
    return os.path.realpath(path).startswith(directory + os.sep)


class Publisher(SifTask):
    """Carries out one ``state=published`` task on the publish host."""

    def metadata(self):
        return publication_metadata(self.params)

    def run(self):
        params = self.params
        # Checked before anything is done: its name and checksum make paths.
        metadata = self.metadata()
        publish_dir = os.path.abspath(params['publish_dir'])
        self._ensure_publish_dir(publish_dir)
        name = metadata['name']
        sha256 = metadata['sha256']
        result = self.result
        result.update(name=name, sha256=sha256, publish_dir=publish_dir)
        latest_before = ((read_index(publish_dir).get('images') or {}).get(name) or {}).get('latest')
        existing = find_published(publish_dir, name, sha256, verify=params.get('verify_published'))
        upload_path = os.path.join(publish_dir, INCOMING_DIR, '%s-%s.sif' % (name, sha256[:16]))
        if not _inside(publish_dir, upload_path):  # pragma: no cover - name and sha256 are validated
            raise PublishError('The upload path %s is outside publish_dir %s' % (upload_path, publish_dir))
        if existing:
            result.update(up_to_date=True, upload_needed=False, build_number=existing['build_number'],
                          published_file=existing['file'],
                          published_path=os.path.join(publish_dir, existing['file']), published=False)
            self.actions.append('%s is up to date on the server as %s (same sha256)' % (name, existing['file']))
            self._discard_upload(params.get('src'), upload_path)
        else:
            self._publish_or_ask(publish_dir, metadata, upload_path)
        self._index(publish_dir, name, latest_before)
        result.update(changed=self.changed, actions=self.actions)
        return result

    def _ensure_publish_dir(self, publish_dir):
        if os.path.isdir(publish_dir):
            return
        if self.check_mode:
            self.actions.append('Would create %s' % publish_dir)
            return
        try:
            os.makedirs(publish_dir, exist_ok=True)
        except OSError as exc:
            raise PublishError('Cannot create publish_dir %s: %s' % (publish_dir, exc))
        self.actions.append('Created %s' % publish_dir)
        self.changed = True

    def _publish_or_ask(self, publish_dir, metadata, upload_path):
        """Publish ``src`` when it is there; otherwise say where Ansible should copy it."""
        src = self.params.get('src')
        name = metadata['name']
        self.result.update(up_to_date=False, upload_path=upload_path)
        if not self.check_mode and os.path.isdir(publish_dir):
            # Where Ansible copies the file to (ansible.builtin.copy does not create parents).
            os.makedirs(os.path.dirname(upload_path), exist_ok=True)
        if src and os.path.isfile(src):
            self.result.update(upload_needed=False)
            self.result.update(self.publish(publish_dir, src, metadata))
            return
        if src and not self.check_mode:
            raise PublishError('src %s does not exist on the publish host: copy the SIF to '
                               'upload_path first' % src, upload_path=upload_path)
        self.result.update(upload_needed=True, published=False)
        self.actions.append('%s (sha256 %s) is not published: copy it to %s'
                            % (name, metadata['sha256'][:16], upload_path))
        if src and self.check_mode:
            self.changed = True

    def _index(self, publish_dir, name, latest_before):
        """Update the index and latest links; add what they say of ``name`` to the result."""
        result = self.result
        base_url = self.params.get('base_url')
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
        would_publish = self.check_mode and result.get('build_number') and not result.get('up_to_date')
        latest_after = result.get('published_file') if result.get('published') or would_publish else image.get('latest')
        result['diff'] = {'before': {'latest': latest_before}, 'after': {'latest': latest_after}}

    def _discard_upload(self, src, upload_path):
        """An uploaded copy that turned out not to be needed is removed (only from .incoming)."""
        if src and os.path.abspath(src) == upload_path and os.path.isfile(src) and not self.check_mode:
            os.unlink(src)

    def _check_upload(self, src, metadata):
        """The size of ``src`` once it matches its metadata and is a SIF; PublishError otherwise."""
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
        check_sif(src)
        return size

    def publish(self, publish_dir, src, metadata):
        size = self._check_upload(src, metadata)
        name = metadata['name']
        if self.check_mode:
            self.changed = True
            number = next_build_number(publish_dir, name)
            self.actions.append('Would publish %s as %s' % (src, numbered_name(name, number)))
            return {'published': False, 'build_number': number, 'published_file': numbered_name(name, number)}
        number = reserve_build_number(publish_dir, name)
        filename = numbered_name(name, number)
        target = os.path.join(publish_dir, filename)
        data = dict(metadata)
        data.update(build_number=number, size=size,
                    publication_time=datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat())
        try:
            self._place(src, target, publish_dir, data)
        except OSError as exc:
            raise PublishError('Publishing %s as %s failed: %s%s' % (src, target, exc,
                                                                     ' (no space left on the device)'
                                                                     if exc.errno == errno.ENOSPC else ''))
        self.changed = True
        self.actions.append('Published %s as %s (build %d)' % (src, filename, number))
        return {'published': True, 'build_number': number, 'published_file': filename,
                'published_path': target, 'metadata': data}

    @staticmethod
    def _place(src, target, publish_dir, data):
        """The image first (renamed: complete or absent), then its JSON: a client that sees the
        JSON always finds the image. When the JSON cannot be written, the image is taken back."""
        moved = os.stat(src).st_dev == os.stat(publish_dir).st_dev
        if moved:
            os.chmod(src, PUBLIC_MODE)
            os.rename(src, target)
        else:
            atomic_copy(src, target, mode=PUBLIC_MODE)
        try:
            write_json(target + '.json', data, mode=PUBLIC_MODE)
        except BaseException:
            try:
                if moved:
                    os.rename(target, src)
                else:
                    os.unlink(target)
            except OSError:
                pass  # the first error is the one to report
            raise
