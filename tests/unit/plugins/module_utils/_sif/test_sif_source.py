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
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._sif import source
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings

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


@pytest.mark.parametrize('manifest, message', [
    ([{'RepoTags': ['x']}], r'manifest.json: \[0\].Config: required key is missing'),
    ([{'Config': 5}], r'manifest.json: \[0\].Config: expected the path of a config blob, got an integer 5'),
    ([{'Config': 'a.json', 'RepoTags': 'casa/x:1'}], r'\[0\].RepoTags: expected a list of strings or null'),
    ([{'Config': 'a.json', 'Layers': [1]}], r'\[0\].Layers\[0\]: expected a string'),
    ([{'Config': 'a.json'}, 'x'], r'\[1\]: expected a manifest entry'),
])
def test_malformed_manifests_name_the_archive_and_the_key(tmp_path, manifest, message):
    archive = tmp_path / 'image.tar'
    docker_archive(archive, manifest)
    with pytest.raises(SifError, match='archive .*image.tar has a malformed manifest.json: .*' + message):
        source.archive_manifest(str(archive))


def test_a_manifest_that_is_not_a_file_or_too_big(tmp_path, monkeypatch):
    archive = tmp_path / 'dir.tar'
    with tarfile.open(str(archive), 'w') as tar:
        info = tarfile.TarInfo('manifest.json')
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    with pytest.raises(SifError, match='manifest.json is not a regular file'):
        source.archive_manifest(str(archive))
    big = tmp_path / 'big.tar'
    docker_archive(big, [{'Config': 'a.json', 'RepoTags': ['x' * 200]}])
    monkeypatch.setattr(source, 'MANIFEST_MAX_BYTES', 100)
    with pytest.raises(SifError, match='more than a docker-archive manifest ever holds'):
        source.archive_manifest(str(big))


def test_the_source_layers_go_to_the_side_file():
    image = source.Source('casa/x:1', {'Id': IMAGE_ID, 'RootFS': {'Layers': ['sha256:a', 'sha256:b']}})
    assert image.as_dict()['layers'] == ['sha256:a', 'sha256:b']
    assert source.Source('casa/x:1', {'Id': IMAGE_ID}).as_dict()['layers'] is None


# ---------------------------------------------------------------- property-based
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)
_ENTRY = st.fixed_dictionaries({
    'Config': st.one_of(st.just('blobs/sha256/' + 'a' * 64), st.just('b' * 64 + '.json'), _VALUES),
}, optional={
    'RepoTags': st.one_of(st.lists(st.text(max_size=10), max_size=2), st.none(), _VALUES),
    'Layers': st.one_of(st.lists(st.text(max_size=10), max_size=2), _VALUES),
    'Extra': _VALUES})
_MANIFESTS = st.one_of(
    st.lists(_ENTRY, min_size=1, max_size=3).map(lambda value: json.dumps(value).encode()),
    _VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=120),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b'[' * depth + b']' * depth),
    st.integers(min_value=4000, max_value=6000).map(lambda digits: b'[{"Config": ' + b'9' * digits + b'}]'))


@fuzz_settings
@given(_MANIFESTS)
def test_manifest_parser_never_crashes(data):
    where = 'x.tar:manifest.json'
    manifest = check_parser('docker-archive manifest.json', lambda: source.parse_archive_manifest(data, where), where)
    if manifest is not None:
        tags, image_id = source.archive_image(manifest[0])
        assert image_id.startswith('sha256:') and isinstance(tags, list)
