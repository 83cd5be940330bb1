# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A SIF in a registry, in the form ``apptainer push oras://`` writes and ``apptainer pull
oras://`` reads: an OCI manifest whose config (an empty JSON object) has the media type
``application/vnd.sylabs.sif.config.v1+json`` and whose one layer, of media type
``application/vnd.sylabs.sif.layer.v1.sif``, is the SIF file itself.

``state=pushed`` (``SifPusher``) sends a SIF there from the build host; ``fetch_sif`` brings it
to the publish host, pinned by digest, for ``state=published`` with ``source``.
"""

from __future__ import annotations

import json
import os

from ansible_collections.casa.distro.plugins.module_utils._files import file_digests
from ansible_collections.casa.distro.plugins.module_utils._oci_registry import (
    OCI_MANIFEST, OciReference, OciRegistry, check_digest)
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_metadata import check_sif
from ansible_collections.casa.distro.plugins.module_utils._sif.task import SifTask

SIF_CONFIG_MEDIA_TYPE = 'application/vnd.sylabs.sif.config.v1+json'
SIF_LAYER_MEDIA_TYPE = 'application/vnd.sylabs.sif.layer.v1.sif'
EMPTY_CONFIG = b'{}'
TITLE_ANNOTATION = 'org.opencontainers.image.title'


def sif_manifest(config_digest, layer_digest, size, title):
    """The manifest bytes of a SIF artifact (stable: same SIF, same manifest digest)."""
    manifest = {
        'schemaVersion': 2,
        'mediaType': OCI_MANIFEST,
        'config': {'mediaType': SIF_CONFIG_MEDIA_TYPE, 'digest': config_digest, 'size': len(EMPTY_CONFIG)},
        'layers': [{'mediaType': SIF_LAYER_MEDIA_TYPE, 'digest': layer_digest, 'size': size,
                    'annotations': {TITLE_ANNOTATION: title}}],
    }
    return json.dumps(manifest, sort_keys=True, separators=(',', ':')).encode('utf-8')


def sif_layer(manifest, where):
    """``(digest, size)`` of the SIF layer of a manifest; PublishError when it holds no SIF."""
    layers = manifest.get('layers') if isinstance(manifest, dict) else None
    sifs = [layer for layer in layers or [] if isinstance(layer, dict)
            and layer.get('mediaType') == SIF_LAYER_MEDIA_TYPE]
    if len(sifs) != 1 or not isinstance(sifs[0].get('size'), int):
        raise PublishError('%s is not a SIF artifact: its manifest needs exactly one layer of media type %s '
                           '(apptainer push oras:// writes one)' % (where, SIF_LAYER_MEDIA_TYPE), source=where)
    return check_digest(sifs[0].get('digest'), 'the SIF layer digest of %s' % where), sifs[0]['size']


def registry_client(params, reference):
    """An OciRegistry for ``reference`` from the module's registry options."""
    return OciRegistry(reference.registry, username=params.get('registry_username'),
                       password=params.get('registry_password'), plain_http=params.get('registry_plain_http'),
                       validate_certs=params.get('registry_validate_certs', True),
                       ca_path=params.get('registry_ca_path'), retries=params.get('retries'),
                       retry_delay=params.get('retry_delay'))


def fetch_sif(params, source, dest, sha256):
    """Download the SIF of ``source`` (an oras:// reference pinned by digest) to ``dest``,
    checking that its manifest is that digest's and its layer has the sha256 ``sha256``.
    Returns (manifest digest, bytes)."""
    reference = OciReference(source)
    if not reference.digest:
        raise PublishError('source %s names a tag: give the digest state=pushed returned '
                           '(oras://registry/repository@sha256:...), so that what is published is what was built'
                           % source, source=source)
    client = registry_client(params, reference)
    digest, manifest = client.manifest(reference.repository, reference.digest)
    if manifest is None:
        raise PublishError('source %s is not in its registry' % source, source=source)
    layer_digest, size = sif_layer(manifest, source)
    if layer_digest != 'sha256:' + sha256:
        raise PublishError('source %s holds the SIF %s but its metadata says sha256:%s: wrong source or metadata'
                           % (source, layer_digest, sha256), source=source)
    return digest, client.download(reference.repository, layer_digest, dest, size=size)


class SifPusher(SifTask):
    """``state=pushed``: the SIF ``src`` to the registry as ``dest`` (an oras:// reference).
    Changed only when the tag named another SIF (or nothing) before."""

    def run(self):
        params = self.params
        src = params['src']
        reference = OciReference(params['dest'])
        if reference.digest:
            raise PublishError('dest %s is pinned by digest: give a tag (oras://registry/repository:tag)'
                               % params['dest'], dest=params['dest'])
        if not os.path.isfile(src):
            raise PublishError('src %s is not a SIF file on this host' % src, src=src)
        check_sif(src)
        size = os.path.getsize(src)
        layer_digest = 'sha256:' + file_digests(src, ('sha256',))['sha256']
        client = registry_client(params, reference)
        before, manifest = client.manifest(reference.repository, reference.tag)
        current = None
        if manifest is not None:
            try:
                current = sif_layer(manifest, str(reference))[0]
            except PublishError:
                current = None  # another kind of artifact under that tag: replaced
        title = os.path.basename(src)
        self.result.update(dest=str(reference), sha256=layer_digest.split(':', 1)[1], size=size,
                           digest_before=before)
        if current == layer_digest:
            self.result.update(digest=before, reference=reference.pinned(before), pushed=False)
            self.actions.append('%s already holds %s (%s)' % (reference, title, layer_digest[:19]))
            return self._done()
        self.changed = True
        if self.check_mode:
            self.result.update(digest=None, reference=None, pushed=False)
            self.actions.append('Would push %s to %s' % (src, reference))
            return self._done()
        self.log.write('--- pushing %s (%d MiB) to %s' % (src, size >> 20, reference))
        uploaded = client.push_file(reference.repository, src, layer_digest)
        config_digest = client.push_bytes(reference.repository, EMPTY_CONFIG)
        digest = client.put_manifest(reference.repository, reference.tag,
                                     sif_manifest(config_digest, layer_digest, size, title))
        self.result.update(digest=digest, reference=reference.pinned(digest), pushed=True)
        how = 'uploaded %d bytes' % size if uploaded else 'the registry held the SIF already'
        self.actions.append('Pushed %s to %s as %s (%s)' % (src, reference, digest, how))
        return self._done()

    def _done(self):
        result = self.result
        result['diff'] = {'before': {'digest': result.get('digest_before')},
                          'after': {'digest': result.get('digest')}}
        result.update(changed=self.changed, actions=self.actions)
        return result
