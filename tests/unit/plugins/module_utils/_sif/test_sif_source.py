# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.source: the source image found, pulled or loaded from a docker-archive."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import source
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError

IMAGE_ID = 'sha256:' + '5' * 64


def docker_archive(path, manifest):
    with tarfile.open(str(path), 'w') as tar:
        data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        info = tarfile.TarInfo('manifest.json')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


class LoadingClient:
    docker_host = 'unix:///fake.sock'

    def __init__(self):
        self.images = {}
        self.loaded = []
        self.pulled = []

    def image_id(self, reference):
        return self.images.get(reference)

    def inspect_image(self, reference):
        image_id = self.images.get(reference)
        return {'Id': image_id, 'Config': {}, 'RepoDigests': ['x@sha256:d']} if image_id else None

    def load_archive(self, archive):
        self.loaded.append(archive)
        self.images[IMAGE_ID] = IMAGE_ID
        self.images['casa/x:1'] = IMAGE_ID

    def pull(self, repository, tag, auth=None):
        self.pulled.append((repository, tag, auth))
        self.images['%s:%s' % (repository, tag)] = IMAGE_ID
        return IMAGE_ID


def finder(client, check_mode=False, **params):
    actions = []
    return source.SourceFinder(client, dict({'image': None, 'archive': None, 'pull': False}, **params),
                               check_mode, actions), actions


def test_load_archive(tmp_path):
    archive = tmp_path / 'image.tar'
    docker_archive(archive, [{'Config': 'blobs/sha256/' + '5' * 64, 'RepoTags': ['casa/x:1']}])
    client = LoadingClient()
    would, actions = finder(client, check_mode=True, archive=str(archive))
    with pytest.raises(source.WouldFetch, match='Would load'):
        would.find()
    found, actions = finder(client, archive=str(archive))
    image = found.find()
    assert (image.reference, image.image_id, image.digest) == ('casa/x:1', IMAGE_ID, 'sha256:d')
    assert client.loaded == [str(archive)] and actions == ['Loaded %s into the Docker daemon' % archive]
    again, actions = finder(client, archive=str(archive))
    assert again.find().image_id == IMAGE_ID and client.loaded == [str(archive)] and actions == []


@pytest.mark.parametrize('manifest, message', [
    (b'{"not": ', 'is not a docker-archive tarball.*invalid JSON'),
    ([], 'has no manifest.json'),
    ({'a': 1}, 'has no manifest.json'),
])
def test_bad_archives(tmp_path, manifest, message):
    archive = tmp_path / 'image.tar'
    docker_archive(archive, manifest)
    with pytest.raises(SifError, match=message):
        finder(LoadingClient(), archive=str(archive))[0].find()
    (tmp_path / 'plain').write_text('not a tar')
    with pytest.raises(SifError, match='is not a docker-archive tarball'):
        finder(LoadingClient(), archive=str(tmp_path / 'plain'))[0].find()
    with pytest.raises(SifError, match='does not exist or is not a file'):
        finder(LoadingClient(), archive=str(tmp_path / 'missing.tar'))[0].find()


def test_pull_uses_the_registry_credentials():
    client = LoadingClient()
    found, actions = finder(client, image='casa/x:2', pull=True, registry_username='me', registry_password='pw')
    assert found.find().image_id == IMAGE_ID
    assert client.pulled == [('casa/x', '2', {'username': 'me', 'password': 'pw'})]
    assert actions == ['Pulled casa/x:2: None -> %s' % IMAGE_ID]
