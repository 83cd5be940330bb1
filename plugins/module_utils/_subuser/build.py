# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Building image sources, parents first, through the collection's DockerClient.

An image is rebuilt when, and only when, its build context, image file or parent image
changed: the hash of those inputs is kept in an image label and compared with the next run's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils._build_context import rebuild_reason
from ansible_collections.casa.distro.plugins.module_utils._subuser.context import (
    HASH_SCHEME, apply_dockerignore, context_hash, stage_context)
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import unique_slug
from ansible_collections.casa.distro.plugins.module_utils._subuser.image_file import render_image_file

LABEL_PREFIX = 'io.casa-distro.subuser.'
LABEL_SOURCE = LABEL_PREFIX + 'source'
LABEL_REPOSITORY = LABEL_PREFIX + 'repository'
LABEL_COMMIT = LABEL_PREFIX + 'commit'
LABEL_REF = LABEL_PREFIX + 'ref'
LABEL_BUILD_HASH = LABEL_PREFIX + 'build-hash'
LABEL_CONTEXT_HASH = LABEL_PREFIX + 'context-hash'
LABEL_PARENT = LABEL_PREFIX + 'parent'


def image_reference(source, prefix, tag):
    """``<prefix><repository>/<source>:<tag>``, lowercase and Docker-safe."""
    return '%s%s/%s:%s' % (prefix, unique_slug(source.repository.name), unique_slug(source.name), tag)


class SourceBuild:
    """The build (or the up-to-date check) of one image source."""

    def __init__(self, source, reference):
        self.source = source
        self.reference = reference
        self.image_id = None
        self.image_id_before = None
        self.context_hash = None
        self.build_hash = None
        self.built = False
        self.pending = False  # would be built (check mode)
        self.build_reason = None
        self.parent_image_id = None
        self.labels = {}
        self.actions = []

    def as_dict(self):
        return {
            'name': self.source.name,
            'identifier': self.source.identifier,
            'repository': self.source.repository.display,
            'commit': self.source.repository.commit_id,
            'image': self.reference,
            'image_id': self.image_id,
            'image_id_before': self.image_id_before,
            'parent_image_id': self.parent_image_id,
            'context_hash': self.context_hash,
            'build_hash': self.build_hash,
            'built': self.built,
            'build_reason': self.build_reason,
            'status': self._status(),
            'labels': dict(self.labels),
        }

    def _status(self):
        if self.built:
            return 'built'
        if self.pending:
            return 'would be built'
        return 'up to date: the image label %s matches the inputs' % LABEL_BUILD_HASH


def _short(value):
    return (value or 'none')[:19]


def _changed_input(result, labels, parent_result):
    """Why an existing image with other inputs is rebuilt (finer than a hash change)."""
    source = result.source
    if parent_result is not None and parent_result.built:
        return 'parent %s was rebuilt' % source.parent.identifier
    if labels.get(LABEL_CONTEXT_HASH) != result.context_hash:
        return 'build context changed (%s -> %s)' % (_short(labels.get(LABEL_CONTEXT_HASH)), result.context_hash[:19])
    if source.parent is not None and labels.get(LABEL_PARENT) != result.parent_image_id:
        return 'parent image changed (%s -> %s)' % (_short(labels.get(LABEL_PARENT)), result.parent_image_id[:19])
    return 'image file changed'


class SubuserBuilder:
    """Builds image sources parents first through the collection's DockerClient."""

    def __init__(self, client, check_mode=False, prefix='casa-subuser/', tag='latest', nocache=False,
                 force=False, network=None, validate_reference=None, log=None):
        self.client = client
        # The live log (_live_log.LiveLog) that the build output goes to as it comes.
        self.log = log
        self.check_mode = check_mode
        self.prefix = prefix
        self.tag = tag
        self.nocache = nocache
        self.force = force
        self.network = network
        self.validate_reference = validate_reference
        self.results = []
        self.changed = False

    def build(self, order, lineage):
        done = {}
        for source in order:
            chain = lineage.get(source.key)
            broken = [s for s in (chain or []) + [source] if s.errors]
            if chain is None or broken:
                reasons = source.errors or [e for s in broken for e in s.errors] or [source.lineage_error]
                raise SubuserError('Cannot build %s: %s' % (source.identifier, '; '.join(reasons)),
                                   source=source.identifier)
            self.results.append(self._build_one(source, done))
            done[source.key] = self.results[-1]
        return self.results

    def _build_one(self, source, done):
        reference = image_reference(source, self.prefix, self.tag)
        if self.validate_reference:
            repository, tag = reference.rsplit(':', 1)
            self.validate_reference(repository, [tag], 'image of %s' % source.identifier)
        result = SourceBuild(source, reference)
        parent_result = done.get(source.parent.key) if source.parent is not None else None
        entries, dockerfile = self._inputs(result, parent_result)
        existing = self.client.inspect_image(reference)
        result.image_id_before = existing['Id'] if existing else None
        result.build_reason = self._reason(result, existing, parent_result)
        result.labels = self._labels(result)
        if result.build_reason is None:
            result.image_id = existing['Id']
            return result
        self.changed = True
        if self.check_mode:
            result.pending = True
            result.image_id = result.image_id_before
            result.actions.append('Would build %s as %s (%s)' % (source.identifier, reference, result.build_reason))
            return result
        result.image_id = self._run_build(result, entries, dockerfile)
        result.built = True
        result.actions.append('Built %s as %s: %s (%s)' % (source.identifier, reference, result.image_id,
                                                           result.build_reason))
        return result

    @staticmethod
    def _inputs(result, parent_result):
        """The build context entries and the Dockerfile; sets the context and build hashes."""
        source = result.source
        tree = source.repository.tree
        entries = apply_dockerignore(tree.files(source.build_context, source.where(source.build_context)))
        result.context_hash = context_hash(entries)
        text = tree.read(source.image_file, source.where(source.image_file)).decode('utf-8', 'replace')
        if source.parent is not None:
            result.parent_image_id = None if parent_result.pending else parent_result.image_id
            dockerfile = render_image_file(text, result.parent_image_id or 'pending')
        else:
            dockerfile = text if text.endswith('\n') else text + '\n'
        digest = hashlib.sha256(HASH_SCHEME.encode())
        digest.update(result.context_hash.encode() + b'\0' + dockerfile.encode('utf-8'))
        result.build_hash = 'sha256:' + digest.hexdigest()
        return entries, dockerfile

    def _reason(self, result, existing, parent_result):
        """Why the image is (re)built, or None when it is up to date."""
        pending = parent_result is not None and parent_result.pending
        return rebuild_reason(
            existing, LABEL_BUILD_HASH, result.build_hash, force=self.force,
            pending_parents=[result.source.parent.identifier] if pending else (),
            unlabelled='existing image has no %s label' % LABEL_BUILD_HASH,
            explain_change=lambda labels: _changed_input(result, labels, parent_result))

    @staticmethod
    def _labels(result):
        repository = result.source.repository
        return {
            LABEL_SOURCE: result.source.name,
            LABEL_REPOSITORY: repository.display,
            LABEL_COMMIT: repository.commit_id or '',
            LABEL_REF: repository.ref or '',
            LABEL_BUILD_HASH: result.build_hash,
            LABEL_CONTEXT_HASH: result.context_hash,
            LABEL_PARENT: result.parent_image_id or '',
        }

    def _run_build(self, result, entries, dockerfile):
        """Stage the context with the rendered Dockerfile and build it; the new image ID."""
        staging = tempfile.mkdtemp(prefix='casa-subuser-')
        try:
            stage_context(entries, staging)
            with open(os.path.join(staging, 'Dockerfile'), 'w', encoding='utf-8') as handle:
                handle.write(dockerfile)
            on_line = None
            if self.log is not None:
                self.log.write('--- building %s as %s' % (result.source.identifier, result.reference))
                on_line = self.log.write
            image_id, _log = self.client.build(staging, tag=result.reference, dockerfile='Dockerfile',
                                               labels=result.labels, network_mode=self.network,
                                               nocache=self.nocache, on_line=on_line)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return image_id
