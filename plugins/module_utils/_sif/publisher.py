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
* under the index lock, it checks again that no concurrent publisher published the same file,
  writes the build's JSON aside, renames the upload into place, then the JSON beside it: files
  appear complete or not at all, and a publication killed half-way is completed by the next
  one (publish_recovery);
* it fills ``image_id`` and a dev image's ``origin_run`` (publish_lineage), removes builds beyond
  ``keep_builds`` (publish_retention), and keeps ``index.json``, the ``index.html`` listing
  casa-distro clients read, the ``<name>-latest.sif`` links and the optional v2 files.

Nothing is written outside the publish directory: the metadata that names files is validated
first (publish_metadata), and every file read there is checked against its schema.
"""

from __future__ import annotations

import datetime
import errno
import os
import shutil

from ansible_collections.casa.distro.plugins.module_utils._files import (
    PUBLIC_MODE, atomic_copy, file_digests, write_json)
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_index import (
    INDEX_NAME, find_published, published_builds, read_index, update_index)
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_lineage import with_lineage
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_lock import PublishLock
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_metadata import (
    check_sif, publication_metadata, validate_name)
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_numbers import (
    STATE_DIR, next_build_number, numbered_name, reserve_build_number)
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_recovery import pending_path, recover
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_retention import (
    builds_to_remove, current_latest, remove_build)
from ansible_collections.casa.distro.plugins.module_utils._sif.task import SifTask

INCOMING_DIR = '.incoming'


def _inside(directory, path):
    """Whether ``path`` lies inside ``directory`` (no ``..`` or symlink leads out of it)."""
    directory = os.path.realpath(directory)
    return os.path.realpath(path).startswith(directory + os.sep)


def _remove_if_unused(publish_dir):
    """Remove a publish_dir this task created when its failure left nothing in it but empty
    work directories and the lock: no half-created publish directory stays behind."""
    for root, dirs, files in os.walk(publish_dir):
        relative = os.path.relpath(root, publish_dir)
        if relative == '.' and (set(files) or set(dirs) - {INCOMING_DIR, STATE_DIR}):
            return
        if relative == INCOMING_DIR and (files or dirs):
            return
        if relative == STATE_DIR and [name for name in files if not name.endswith(('.lock', '.reserved'))]:
            return
    shutil.rmtree(publish_dir, ignore_errors=True)


class Publisher(SifTask):
    """Carries out one ``state=published`` task on the publish host."""

    def metadata(self):
        return publication_metadata(self.params)

    def run(self):
        params = self.params
        if self.check_mode and params.get('pending'):
            return self._predict_pending()
        # Checked before anything is done: its name and checksum make paths.
        metadata = self.metadata()
        keep = params.get('keep_builds')
        if keep is not None and keep < 1:
            raise PublishError('keep_builds must be at least 1 (the latest build is always kept), got %d' % keep,
                               field='keep_builds')
        publish_dir = os.path.abspath(params['publish_dir'])
        created = self._ensure_publish_dir(publish_dir)
        try:
            return self._run_in(publish_dir, metadata)
        except BaseException:
            if created:
                _remove_if_unused(publish_dir)
            raise

    def _predict_pending(self):
        """Check mode, the SIF not converted yet (an earlier task would): only its name is
        known, so the prediction is its next build number."""
        metadata = self.params.get('metadata') or {}
        name = validate_name(self.params.get('name') or metadata.get('name') or '')
        publish_dir = os.path.abspath(self.params['publish_dir'])
        number = next_build_number(publish_dir, name) if os.path.isdir(publish_dir) else 1
        published_file = numbered_name(name, number)
        self.changed = True
        self.actions.append('Would publish %s as %s once converted' % (name, published_file))
        self.result.update(name=name, publish_dir=publish_dir, up_to_date=False, upload_needed=False,
                           published=False, build_number=number, published_file=published_file,
                           changed=True, actions=self.actions)
        base_url = self.params.get('base_url')
        if base_url:
            self.result['url'] = base_url.rstrip('/') + '/' + published_file
        return self.result

    def _run_in(self, publish_dir, metadata):
        name = metadata['name']
        sha256 = metadata['sha256']
        result = self.result
        result.update(name=name, sha256=sha256, publish_dir=publish_dir)
        locking = not self.check_mode and os.path.isdir(publish_dir)
        if locking and os.path.isdir(os.path.join(publish_dir, STATE_DIR)):
            # Before looking at the builds: a killed publication may have left one incomplete.
            with PublishLock(publish_dir):
                self._recover(publish_dir)
        latest_before = ((read_index(publish_dir).get('images') or {}).get(name) or {}).get('latest')
        existing = find_published(publish_dir, name, sha256, verify=self.params.get('verify_published'))
        upload_path = os.path.join(publish_dir, INCOMING_DIR, '%s-%s.sif' % (name, sha256[:16]))
        if not _inside(publish_dir, upload_path):  # pragma: no cover - name and sha256 are validated
            raise PublishError('The upload path %s is outside publish_dir %s' % (upload_path, publish_dir))
        if existing:
            self._up_to_date(publish_dir, name, existing, upload_path)
        else:
            self._publish_or_ask(publish_dir, metadata, upload_path)
        if not locking:
            self._index(publish_dir, name, latest_before)
            self._prune(publish_dir, name)
        else:
            with PublishLock(publish_dir):
                # The index first, so that latest points at the newest build before pruning.
                self._index(publish_dir, name, latest_before)
                if self._prune(publish_dir, name):
                    self._index(publish_dir, name, latest_before)
        result.update(changed=self.changed, actions=self.actions)
        return result

    def _up_to_date(self, publish_dir, name, existing, upload_path):
        self.result.update(up_to_date=True, upload_needed=False, build_number=existing['build_number'],
                           published_file=existing['file'],
                           published_path=os.path.join(publish_dir, existing['file']), published=False)
        self.actions.append('%s is up to date on the server as %s (same sha256)' % (name, existing['file']))
        self._discard_upload(self.params.get('src'), upload_path)

    def _recover(self, publish_dir):
        """Complete what a killed publication left (the lock is held)."""
        for filename in recover(publish_dir):
            self.changed = True
            self.actions.append('Completed the interrupted publication of %s' % filename)

    def _prune(self, publish_dir, name):
        """Remove the builds of ``name`` beyond keep_builds, never the latest (the lock is held)."""
        keep = self.params.get('keep_builds')
        builds = published_builds(publish_dir, name) if keep else []
        removed = []
        # Kept whatever their age: what latest points at and the build this task found or published.
        protected = {current_latest(publish_dir, name), self.result.get('latest'), self.result.get('published_file')}
        for build in builds_to_remove(builds, keep, protected):
            if not self.check_mode:
                remove_build(publish_dir, build)
            removed.append(build['file'])
            self.changed = True
            verb = 'Would remove' if self.check_mode else 'Removed'
            self.actions.append('%s %s (keep_builds=%d)' % (verb, build['file'], keep))
        self.result['removed_builds'] = removed
        return removed

    def _ensure_publish_dir(self, publish_dir):
        """Create publish_dir when missing; True when this task created it."""
        if os.path.isdir(publish_dir):
            return False
        if os.path.lexists(publish_dir):
            raise PublishError('Cannot create publish_dir %s: it exists and is not a directory%s'
                               % (publish_dir, ' (dangling symlink)' if os.path.islink(publish_dir) else ''))
        if self.check_mode:
            self.actions.append('Would create %s' % publish_dir)
            return False
        try:
            os.makedirs(publish_dir, exist_ok=True)
        except OSError as exc:
            raise PublishError('Cannot create publish_dir %s: %s' % (publish_dir, exc))
        self.actions.append('Created %s' % publish_dir)
        self.changed = True
        return True

    def _publish_or_ask(self, publish_dir, metadata, upload_path):
        """Publish ``src`` when it is there; otherwise say where Ansible should copy it."""
        src = self.params.get('src')
        name = metadata['name']
        self.result.update(up_to_date=False, upload_path=upload_path)
        if src and not os.path.isfile(src) and not self.check_mode:
            raise PublishError('src %s %s on the publish host: copy the SIF to upload_path first'
                               % (src, 'is not a regular file' if os.path.lexists(src) else 'does not exist'),
                               upload_path=upload_path)
        if not self.check_mode and os.path.isdir(publish_dir):
            # Where Ansible copies the file to (ansible.builtin.copy does not create parents).
            os.makedirs(os.path.dirname(upload_path), exist_ok=True)
        if not src and self.params.get('source'):
            src = self._fetch(upload_path, metadata)
            if src is None:
                return
        if src and os.path.isfile(src):
            self.result.update(upload_needed=False)
            self.result.update(self.publish(publish_dir, src, metadata))
            return
        self.result.update(upload_needed=True, published=False)
        self.actions.append('%s (sha256 %s) is not published: copy it to %s'
                            % (name, metadata['sha256'][:16], upload_path))
        if src and self.check_mode:
            self.changed = True

    def _fetch(self, upload_path, metadata):
        """The SIF of ``source`` downloaded from its registry to ``upload_path`` (None in check
        mode, where the publication is only predicted)."""
        source = self.params['source']
        if self.check_mode:
            self.changed = True
            self.actions.append('Would download %s and publish it' % source)
            self.result.update(upload_needed=False, published=False, source=source)
            return None
        # Imported here: the registry client (and Ansible's HTTP stack) is needed by this one
        # step, and every module start pays for its imports.
        from ansible_collections.casa.distro.plugins.module_utils._sif.oras import fetch_sif  # pylint: disable=import-outside-toplevel

        self.log.write('--- downloading %s to %s' % (source, upload_path))
        digest, size = fetch_sif(self.params, source, upload_path, metadata['sha256'])
        self.actions.append('Downloaded %s (%d bytes, sha256 checked) to %s' % (source, size, upload_path))
        self.result.update(source=source, source_digest=digest)
        return upload_path

    def _index(self, publish_dir, name, latest_before):
        """Update the index and latest links; add what they say of ``name`` to the result."""
        result = self.result
        base_url = self.params.get('base_url')
        v2_names = (name,) if self.params.get('v2_files') else ()
        index_changed, index = update_index(publish_dir, base_url, self.check_mode, v2_names=v2_names, locked=True)
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
        with PublishLock(publish_dir):
            self._recover(publish_dir)
            # A concurrent publisher may have published the same file meanwhile.
            existing = find_published(publish_dir, name, metadata['sha256'])
            if existing:
                self._up_to_date(publish_dir, name, existing, self.result.get('upload_path'))
                return {}
            number = reserve_build_number(publish_dir, name)
            filename = numbered_name(name, number)
            target = os.path.join(publish_dir, filename)
            data, run = with_lineage(metadata, published_builds(publish_dir))
            data.update(build_number=number, size=size,
                        publication_time=datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat())
            self.log.write('--- placing %s (%d MiB) as %s' % (src, size >> 20, target))
            try:
                self._place(src, target, publish_dir, data)
            except OSError as exc:
                raise PublishError('Publishing %s as %s failed: %s%s' % (src, target, exc,
                                                                         ' (no space left on the device)'
                                                                         if exc.errno == errno.ENOSPC else ''))
        self.changed = True
        self.actions.append('Published %s as %s (build %d)' % (src, filename, number))
        if run:
            self.actions.append('%s was built FROM %s: origin_run is %s' % (filename, run['file'], data['origin_run']))
        return {'published': True, 'build_number': number, 'published_file': filename,
                'published_path': target, 'metadata': data}

    @staticmethod
    def _place(src, target, publish_dir, data):
        """The JSON aside first, then the image (renamed: complete or absent), then the JSON
        beside it (renamed): a client that sees the JSON always finds the image, and a kill
        between the renames is completed by the next publisher (publish_recovery). On an
        error, the image is taken back and the pending JSON dropped."""
        pending = pending_path(publish_dir, os.path.basename(target))
        write_json(pending, data, mode=PUBLIC_MODE)
        moved = os.stat(src).st_dev == os.stat(publish_dir).st_dev
        try:
            if moved:
                os.chmod(src, PUBLIC_MODE)
                os.rename(src, target)
            else:
                atomic_copy(src, target, mode=PUBLIC_MODE)
            os.rename(pending, target + '.json')
        except BaseException:
            for undo in ((lambda: os.rename(target, src)) if moved else (lambda: os.unlink(target)),
                         lambda: os.unlink(pending)):
                try:
                    undo()
                except OSError:
                    pass  # the first error is the one to report
            raise
