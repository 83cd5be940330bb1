# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker image -> SIF (Singularity Image Format) conversion: what casa_singularity_image does
for ``state=present`` (casa-distro's ``create_singularity``).

Private to the collection: no stability promise.

Two back ends:

``native``
    Saves the image (``docker save`` through the shared Docker client) and streams its
    filesystem, flattened from its layers (image_layers.py), into ``sqfstar`` on all cores,
    adding on the way the ``/.singularity.d`` tree that Apptainer's own OCI build writes (action
    scripts, environment scripts, the runscript made from ENTRYPOINT and CMD, labels.json, the
    definition file), then assembles the SIF with the reference ``siftool``: definition file, the
    inspect metadata and OCI config JSON objects, and the squashfs as primary system partition
    with its architecture. The SIF starts with Apptainer's launch line, and is reproducible: the
    same image gives the same bytes (reproducible.py). Neither Apptainer nor Singularity is needed.

``apptainer`` / ``singularity``
    ``docker save`` into a temporary docker-archive and ``<tool> build`` from a definition file.

Whatever the back end, the SIF is written in a temporary directory beside the destination and
renamed into place, the source image ID is recorded in the SIF (labels of its inspect metadata)
and in the side file ``<sif>.json``, and a second run with the same source image is a no-op.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
import time
import uuid

from ansible_collections.casa.distro.plugins.module_utils._process import find_tool
from ansible_collections.casa.distro.plugins.module_utils._sif.backends import (
    available_backend, build_with_tool, tool_recipe)
from ansible_collections.casa.distro.plugins.module_utils._sif.deffile import default_deffile, dockerfile_deffile
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError
from ansible_collections.casa.distro.plugins.module_utils._sif.image_layers import PathIndex, flattened_filesystem
from ansible_collections.casa.distro.plugins.module_utils._sif.labels import (
    LABEL_COMPRESSION, LABEL_SIF_IMAGE_ID, LABEL_SOURCE_DATE_EPOCH, LABEL_SOURCE_ID, inspect_metadata, labels_json,
    sif_labels)
from ansible_collections.casa.distro.plugins.module_utils._sif.layout import singularity_d_entries
from ansible_collections.casa.distro.plugins.module_utils._sif.reproducible import content_id, source_date_epoch
from ansible_collections.casa.distro.plugins.module_utils._sif.scripts import HEADER
from ansible_collections.casa.distro.plugins.module_utils._sif.side_files import (
    read_side_file, side_file_path, v2_file_current, v2_files, write_side_file, write_v2_file)
from ansible_collections.casa.distro.plugins.module_utils._sif.sif_format import (
    SIF_INSPECT_METADATA, SIF_OCI_CONFIG, assemble_sif, seal_sif, sif_labels_of)
from ansible_collections.casa.distro.plugins.module_utils._sif.source import SourceFinder, WouldFetch
from ansible_collections.casa.distro.plugins.module_utils._sif.squashfs import SQFSTAR_HINT, cpu_count, make_squashfs
from ansible_collections.casa.distro.plugins.module_utils._sif.task import SifTask
from ansible_collections.casa.distro.plugins.module_utils._sif.work_dirs import make_work_dir, stale_work_dirs

COMPRESSIONS = ('gzip', 'zstd', 'lz4', 'xz')
CHUNK = 1 << 20
# The image configuration kept in the SIF's OCI config object.
OCI_CONFIG_KEYS = ('Cmd', 'Entrypoint', 'Env', 'Labels', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes')


class SingularityConverter(SifTask):
    """Carries out one ``state=present`` task: convert a Docker image to a SIF."""

    def __init__(self, params, client, check_mode=False, which=None):
        super().__init__(params, check_mode)
        self.client = client
        self.which = which

    # ------------------------------------------------------------------ source
    def source(self):
        return SourceFinder(self.client, self.params, self.check_mode, self.actions).find()

    # ------------------------------------------------------------------ decision
    def existing_state(self, dest, source):
        """(reason to build or None, labels of the existing SIF or None, side file or None)."""
        if not os.path.lexists(dest):
            return 'no SIF at %s' % dest, None, None
        if not os.path.isfile(dest):
            raise SifError('dest %s exists and is not a regular file' % dest)
        try:
            labels = sif_labels_of(dest)
        except SifError as exc:
            return 'the existing file is not a valid SIF (%s)' % exc.msg, None, None
        side = read_side_file(dest)
        previous = labels.get(LABEL_SOURCE_ID)
        if self.params.get('force'):
            return 'force=true', labels, side
        if not previous:
            return 'the existing SIF records no source image ID (not made by casa.distro)', labels, side
        if previous != source.image_id:
            return 'source image changed (%s -> %s)' % (previous[:19], source.image_id[:19]), labels, side
        if labels.get(LABEL_COMPRESSION) != self.params.get('compression'):
            reason = 'compression changed (%s -> %s)' % (labels.get(LABEL_COMPRESSION),
                                                         self.params.get('compression'))
            return reason, labels, side
        return None, labels, side

    def side_file_stale(self, dest, labels, side):
        if side is None:
            return 'side file missing or unreadable'
        if side.get('source_image_id') != labels.get(LABEL_SOURCE_ID):
            return 'side file records another source image'
        if side.get('size') != os.path.getsize(dest):
            return 'side file size differs from the SIF'
        if side.get('image_id') != labels.get(LABEL_SIF_IMAGE_ID):
            return 'side file records another SIF image ID'
        wanted = dict((k, v) for k, v in (self.params.get('metadata') or {}).items() if v is not None)
        for key, value in wanted.items():
            if side.get(key) != value:
                return 'metadata %s changed' % key
        return None

    # ------------------------------------------------------------------ entry point
    def run(self):
        dest = os.path.abspath(self.params['dest'])
        # A dry run on a fresh host: an earlier task (ansible.builtin.file) would create it.
        if not os.path.isdir(os.path.dirname(dest)) and not self.check_mode:
            raise SifError('The directory of dest %s does not exist' % dest)
        try:
            source = self.source()
        except WouldFetch as exc:
            return self._would_fetch(dest, exc)
        backend = available_backend(self.params.get('backend') or 'auto', self.which)
        self.result.update(dest=dest, source_image_id=source.image_id, source_reference=source.reference,
                           source_digest=source.digest, backend=backend, arch=source.arch)
        self._remove_stale_work_dirs(dest)
        reason, labels, side = self.existing_state(dest, source)
        before = {'source_image_id': (labels or {}).get(LABEL_SOURCE_ID), 'sha256': (side or {}).get('sha256'),
                  'size': os.path.getsize(dest) if os.path.isfile(dest) else None}
        self.result['build_reason'] = reason
        if reason is None:
            side = self._refresh_side_files(dest, labels, side, source)
        elif self.check_mode:
            self.changed = True
            self.actions.append('Would convert %s (%s) to %s with the %s back end (%s)'
                                % (source.reference, source.image_id[:19], dest, backend, reason))
            self.result.update(converted=False, metadata=side, sif_labels=labels)
        else:
            side = self._convert_and_describe(source, dest, backend, reason)
        predicted = self.check_mode and reason is not None  # checksum and size unknown before building
        after = {'source_image_id': source.image_id,
                 'sha256': None if predicted else (side or {}).get('sha256'),
                 'size': None if predicted else (side or {}).get('size')}
        self.result.update(diff={'before': before, 'after': after}, changed=self.changed, actions=self.actions,
                           path=dest, side_file=side_file_path(dest))
        return self.result

    def _would_fetch(self, dest, exc):
        self.actions.append(str(exc))
        self.result.update(changed=True, actions=self.actions, path=dest, side_file=side_file_path(dest),
                           converted=False, build_reason='the source image is not in the daemon yet',
                           diff={'before': {}, 'after': {}})
        return self.result

    def _remove_stale_work_dirs(self, dest):
        for stale in stale_work_dirs(dest):
            if not self.check_mode:
                shutil.rmtree(stale, ignore_errors=True)
            self.changed = True
            self.actions.append('%s %s, left by an interrupted conversion'
                                % ('Would remove' if self.check_mode else 'Removed', stale))

    def _refresh_side_files(self, dest, labels, side, source):
        """The SIF is up to date: bring its side files up to date too. Returns the side file."""
        stale = self.side_file_stale(dest, labels, side)
        if stale:
            self.changed = True
            if self.check_mode:
                self.actions.append('Would rewrite the side file of %s (%s)' % (dest, stale))
            else:
                side = write_side_file(dest, labels, self.side_metadata(labels), source.as_dict())
                self.actions.append('Rewrote the side file of %s (%s)' % (dest, stale))
        elif self.write_v2_files(dest, side, source):
            self.changed = True
        self.result.update(converted=False, metadata=side, sif_labels=labels)
        return side

    def side_metadata(self, labels):
        """The user's metadata, plus what makes the SIF reproducible (its time stamp)."""
        metadata = dict(self.params.get('metadata') or {})
        epoch = labels.get(LABEL_SOURCE_DATE_EPOCH)
        if epoch is not None and str(epoch).isdigit():
            metadata['source_date_epoch'] = int(epoch)
        return metadata

    def _convert_and_describe(self, source, dest, backend, reason):
        started = time.time()
        labels = self.convert(source, dest, backend)
        self.changed = True
        side = write_side_file(dest, labels, self.side_metadata(labels), source.as_dict())
        self.write_v2_files(dest, side, source)
        self.result.update(converted=True, metadata=side, sif_labels=labels,
                           seconds=round(time.time() - started, 2))
        self.actions.append('Converted %s (%s) to %s with the %s back end in %.1f s (%s)'
                            % (source.reference, source.image_id[:19], dest, backend,
                               time.time() - started, reason))
        return side

    # ------------------------------------------------------------------ conversion
    def deffile(self, source):
        dockerfile = self.params.get('dockerfile')
        if dockerfile:
            if not os.path.isfile(dockerfile):
                raise SifError('dockerfile %s does not exist' % dockerfile)
            return dockerfile_deffile(dockerfile, source.reference)
        return default_deffile(source.reference)

    def convert(self, source, dest, backend):
        work = make_work_dir(dest)
        try:
            tmp_sif = os.path.join(work, 'image.sif')
            if backend == 'native':
                labels = self.convert_native(source, tmp_sif, work)
            else:
                labels = self.convert_with_tool(source, tmp_sif, work, backend)
            os.chmod(tmp_sif, 0o755)  # runnable as ./image.sif, as Apptainer's own SIFs
            os.replace(tmp_sif, dest)
            return labels
        except OSError as exc:
            raise SifError('Converting %s to %s failed: %s%s' % (source.reference, dest, exc,
                                                                 ' (no space left on the device)'
                                                                 if exc.errno == errno.ENOSPC else ''))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def labels_for(self, source, deffile_from, backend, sif_image_id, epoch=None):
        now = None if epoch is None else datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
        return sif_labels(source.config.get('Labels'), source.arch, deffile_from, source.as_dict(),
                          self.params['compression'], backend, sif_image_id, now=now)

    def convert_native(self, source, tmp_sif, work):
        # Both tools are looked for before the image is saved: a missing one fails at once.
        find_tool('sqfstar', SQFSTAR_HINT)
        find_tool('siftool', 'package siftool')
        epoch = source_date_epoch(source.info.get('Created'), os.environ)
        deffile = self.deffile(source)
        labels = self.labels_for(source, source.reference, 'native', '', epoch)
        labels[LABEL_SOURCE_DATE_EPOCH] = str(epoch)
        # The ID is derived from what the SIF is made of: the same image gives the same SIF.
        sif_id = content_id(labels, deffile, self.params['compression'])
        labels[LABEL_SIF_IMAGE_ID] = sif_id
        entries = singularity_d_entries(source.config, labels_json(labels), deffile)
        env_scripts = dict(('/' + name, payload) for name, kind, dummy_mode, payload in entries
                           if name.startswith('.singularity.d/env/') and kind == 'file' and payload)
        archive = self.save_image(source, work)
        squashfs = os.path.join(work, 'rootfs.sqfs')
        jobs = self.params.get('jobs') or cpu_count()
        present = PathIndex()
        self.log.write('flattening the layers into a squashfs (%s, %d job(s))' % (self.params['compression'], jobs))
        make_squashfs(flattened_filesystem(archive, work, present), squashfs, self.params['compression'], jobs,
                      entries, epoch, present=present)
        os.unlink(archive)
        self.log.write('squashfs done (%d MiB); assembling the SIF' % (os.path.getsize(squashfs) >> 20))
        runscript = next(entry[3] for entry in entries if entry[0] == '.singularity.d/runscript')
        metadata = inspect_metadata(labels, deffile, runscript, env_scripts, HEADER)
        oci_config = dict((key, source.config.get(key)) for key in OCI_CONFIG_KEYS if source.config.get(key))
        oci_config['Image'] = source.image_id
        # SIF objects in the compact form Apptainer writes them.
        objects = [(SIF_INSPECT_METADATA, json.dumps(metadata, sort_keys=True).encode('utf-8')),
                   (SIF_OCI_CONFIG, json.dumps(oci_config, sort_keys=True).encode('utf-8'))]
        assemble_sif(tmp_sif, squashfs, source.arch, deffile, objects, work)
        seal_sif(tmp_sif, sif_id, epoch)
        os.unlink(squashfs)
        return labels

    def save_image(self, source, work):
        """``docker save`` of the source image into the work directory: its layers, not a
        container's filesystem, are what the SIF holds."""
        archive = os.path.join(work, 'image.tar')
        self.log.write('--- saving %s (%s) from the daemon' % (source.reference, source.image_id[:19]))
        with open(archive, 'wb') as handle:
            for chunk in self.client.saved_image(source.image_id, chunk_size=CHUNK):
                handle.write(chunk)
        self.log.write('saved %d MiB' % (os.path.getsize(archive) >> 20))
        return archive

    def convert_with_tool(self, source, tmp_sif, work, backend):
        """``apptainer|singularity build`` from a docker-archive of the image, with our labels."""
        archive = self.save_image(source, work)
        labels = self.labels_for(source, archive, backend, str(uuid.uuid4()))
        ours = dict((k, v) for k, v in labels.items() if k.startswith('io.casa-distro.'))
        recipe = os.path.join(work, 'image.def')
        with open(recipe, 'w', encoding='utf-8') as handle:
            handle.write(tool_recipe(archive, ours))
        self.log.write('--- %s build of %s' % (backend, source.reference))
        built = build_with_tool(backend, tmp_sif, recipe, self.params['compression'],
                                self.params.get('jobs') or cpu_count(), on_line=self.log.write)
        built.update(ours)
        return built

    # ------------------------------------------------------------------ side files
    def write_v2_files(self, dest, side, source):
        """casa-distro v2 clients read ``<sif>.md5`` (hex, no newline) and ``<sif>.dockerid``."""
        if not self.params.get('v2_files') or not side:
            return False
        changed = False
        for path, text in v2_files(dest, side['md5'], source.image_id):
            if v2_file_current(path, text):
                continue
            changed = True
            if self.check_mode:
                self.actions.append('Would write %s' % path)
            else:
                write_v2_file(path, text)
                self.actions.append('Wrote %s' % path)
        return changed
