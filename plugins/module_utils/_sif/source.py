# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Docker image being converted: found in the daemon, pulled, or loaded from a docker-archive."""

from __future__ import annotations

import os
import tarfile

from ansible_collections.casa.distro.plugins.module_utils._image_reference import split_reference
from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, parse_json
from ansible_collections.casa.distro.plugins.module_utils._module import registry_auth
from ansible_collections.casa.distro.plugins.module_utils._schema import (
    Field, ListOf, Null, OneOf, Record, SchemaError, Str, check)
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError


class Source:
    """The Docker image being converted: reference, inspect data, ID and digest."""

    def __init__(self, reference, info):
        self.reference = reference
        self.info = info
        self.image_id = info['Id']
        config = info.get('Config') or {}
        self.config = config
        self.arch = info.get('Architecture') or 'amd64'
        digests = info.get('RepoDigests') or []
        self.digest = digests[0].split('@', 1)[1] if digests else None

    def as_dict(self):
        layers = (self.info.get('RootFS') or {}).get('Layers')
        return {'image_id': self.image_id, 'reference': self.reference, 'digest': self.digest,
                'layers': list(layers) if isinstance(layers, list) else None}


class WouldFetch(Exception):
    """Check mode: the source would have to be pulled or loaded first, so nothing more is known."""


# ``docker save`` writes one entry per image; Config names the image's config blob
# (``<hex>.json``, or ``blobs/sha256/<hex>`` in the OCI layout of Docker 25+).
MANIFEST_SCHEMA = ListOf(Record({
    'Config': Field(Str(pattern=r'[A-Za-z0-9._/:-]+', what='the path of a config blob'), required=True),
    'RepoTags': OneOf(ListOf(Str()), Null()),
    'Layers': ListOf(Str()),
}, extra='allow', what='a manifest entry'), min_items=1)
# manifest.json is small; a bigger one is not read into memory.
MANIFEST_MAX_BYTES = 16 << 20


def parse_archive_manifest(data, where):
    """The entries of a docker-archive manifest.json (bytes); FileFormatError or SchemaError
    naming ``where`` otherwise."""
    manifest = parse_json(data, where)
    check(MANIFEST_SCHEMA, manifest, where)
    return manifest


def _manifest_bytes(archive):
    """The bytes of manifest.json in the tarball ``archive``, or None when it has none."""
    with open(archive, 'rb') as handle:
        with tarfile.open(fileobj=handle, mode='r|') as tar:
            for member in tar:
                if os.path.normpath(member.name) != 'manifest.json':
                    continue
                if not member.isfile():
                    raise SifError('archive %s: manifest.json is not a regular file' % archive)
                if member.size > MANIFEST_MAX_BYTES:
                    raise SifError('archive %s: manifest.json has %d bytes, more than a docker-archive '
                                   'manifest ever holds' % (archive, member.size))
                return tar.extractfile(member).read()
    return None


def archive_manifest(archive):
    """The manifest.json entries of a docker-archive (``docker save``) tarball."""
    if not os.path.isfile(archive):
        raise SifError('archive %s does not exist or is not a file' % archive)
    where = '%s:manifest.json' % archive
    try:
        data = _manifest_bytes(archive)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise SifError('archive %s is not a docker-archive tarball: %s' % (archive, exc))
    if data is None:
        raise SifError('archive %s has no manifest.json: not a docker-archive (docker save) tarball' % archive)
    try:
        manifest = parse_json(data, where)
    except FileFormatError as exc:
        raise SifError('archive %s is not a docker-archive tarball: %s' % (archive, exc))
    if not manifest or not isinstance(manifest, list) or not isinstance(manifest[0], dict):
        raise SifError('archive %s has no manifest.json: not a docker-archive (docker save) tarball'
                       % archive)
    try:
        check(MANIFEST_SCHEMA, manifest, where)
    except SchemaError as exc:
        raise SifError('archive %s has a malformed manifest.json: %s' % (archive, exc.msg), file=where)
    return manifest


def archive_image(entry):
    """(tags, image ID) of a checked manifest entry."""
    tags = entry.get('RepoTags') or []
    config_name = entry.get('Config') or ''
    return tags, 'sha256:' + os.path.basename(config_name).replace('.json', '').replace('sha256:', '')


class SourceFinder:
    """Finds the source image of a conversion in the daemon, pulling it or loading its archive
    first when asked; what it does is appended to ``actions``."""

    def __init__(self, client, params, check_mode, actions):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.actions = actions

    def find(self):
        """The Source to convert; WouldFetch in check mode when it is not in the daemon yet."""
        params = self.params
        reference = params.get('image')
        if self.check_mode and params.get('pending'):
            # An earlier task of the run would (re)build the image: whatever the daemon holds now
            # is not what would be converted.
            raise WouldFetch('Would convert %s once an earlier task built it' % reference)
        if params.get('archive'):
            reference = self.load_archive(params['archive'], reference)
        elif params.get('pull'):
            self.pull(reference)
        info = self.client.inspect_image(reference)
        if info is None and self.check_mode and params.get('pull'):
            raise WouldFetch('Would pull %s and convert it' % reference)
        if info is None:
            raise SifError('Source image %s is not in the Docker daemon at %s: build or pull it first '
                           '(or set pull=true to fetch it from its registry, or archive= for a '
                           'docker-archive tarball)' % (reference, self.client.docker_host),
                           image=reference)
        return Source(reference, info)

    def pull(self, reference):
        repository, tag = split_reference(reference)
        if self.check_mode:
            self.actions.append('Would pull %s:%s first' % (repository, tag))
            return
        before = self.client.image_id(reference)
        after = self.client.pull(repository, tag, auth=registry_auth(self.params))
        if before != after:
            self.actions.append('Pulled %s: %s -> %s' % (reference, before, after))

    def load_archive(self, archive, reference):
        """``docker load`` a docker-archive tarball through the shared client's load_archive,
        unless the daemon has its image already. Returns the reference to convert."""
        tags, image_id = archive_image(archive_manifest(archive)[0])
        target = reference or (tags[0] if tags else image_id)
        if self.client.image_id(image_id) is None:
            if self.check_mode:
                raise WouldFetch('Would load %s into the Docker daemon and convert it' % archive)
            self.client.load_archive(archive)
            self.actions.append('Loaded %s into the Docker daemon' % archive)
        return target if self.client.image_id(target) else image_id
