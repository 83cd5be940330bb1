# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_index: published builds, index.json and the latest links."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._schema import SchemaError
from ansible_collections.casa.distro.plugins.module_utils._sif import publish_index, publish_lineage
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


def publish_by_hand(directory, name, number, content, **fields):
    sif = directory / ('%s-%d.sif' % (name, number))
    sif.write_bytes(content)
    data = dict({'size': len(content), 'sha256': 'a' * 64}, **fields)
    (directory / ('%s-%d.sif.json' % (name, number))).write_text(json.dumps(data))


def test_index_and_latest_links(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    publish_by_hand(tmp_path, 'img', 2, b'two!', sha256='b' * 64)
    publish_by_hand(tmp_path, 'other', 1, b'x')
    changed, index = publish_index.update_index(str(tmp_path), 'http://h/dl')
    assert changed and index['format'] == publish_index.INDEX_FORMAT
    image = index['images']['img']
    assert [b['file'] for b in image['builds']] == ['img-1.sif', 'img-2.sif']
    assert image['latest'] == 'img-2.sif' and image['builds'][1]['url'] == 'http://h/dl/img-2.sif'
    assert os.readlink(str(tmp_path / 'img-latest.sif')) == 'img-2.sif'
    assert os.readlink(str(tmp_path / 'other-latest.sif.json')) == 'other-1.sif.json'
    assert json.loads((tmp_path / 'index.json').read_text())['images'] == index['images']
    assert publish_index.update_index(str(tmp_path))[0] is False  # base_url kept, nothing new
    assert publish_index.find_published(str(tmp_path), 'img', 'b' * 64)['build_number'] == 2
    assert publish_index.find_published(str(tmp_path), 'img', 'c' * 64) is None


def test_unreadable_json_is_skipped_and_unreadable_index_rebuilt(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    (tmp_path / 'img-2.sif').write_bytes(b'two')
    (tmp_path / 'img-2.sif.json').write_text('{"size": ')  # a malformed build JSON: not a build
    (tmp_path / 'img-3.sif.json').write_text('{}')  # no SIF: not a build
    assert [b['build_number'] for b in publish_index.published_builds(str(tmp_path))] == [1]
    (tmp_path / 'index.json').write_text('not JSON')
    assert publish_index.read_index(str(tmp_path)) == {}
    changed, index = publish_index.update_index(str(tmp_path))
    assert changed and index['base_url'] is None
    assert json.loads((tmp_path / 'index.json').read_text())['images']['img']['latest'] == 'img-1.sif'


def test_check_mode_writes_nothing(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    changed, dummy_index = publish_index.update_index(str(tmp_path), check_mode=True)
    assert changed and sorted(os.listdir(str(tmp_path))) == ['img-1.sif', 'img-1.sif.json']


def test_build_json_of_another_shape_is_skipped_and_its_name_never_makes_paths(tmp_path):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    (tmp_path / 'img-1.sif.json').write_text(json.dumps({'size': 3, 'name': '../../escaped'}))
    publish_by_hand(tmp_path, 'img', 2, b'two', size='2')  # wrong type: not a build
    publish_by_hand(tmp_path, 'img', 3, b'three', source_layers='sha256:x')
    builds = publish_index.published_builds(str(tmp_path))
    assert [(b['name'], b['build_number']) for b in builds] == [('img', 1)]
    changed, index = publish_index.update_index(str(tmp_path))
    assert changed and list(index['images']) == ['img']
    assert not os.path.lexists(str(tmp_path.parent / 'escaped-latest.sif'))


@pytest.mark.parametrize('index', [
    {'images': []}, {'images': {'img': {'builds': 'x'}}}, {'base_url': 5, 'images': {}}, [1], 'x',
    {'images': {'img': {'latest': 3, 'builds': []}}},
])
def test_an_index_of_another_shape_is_rebuilt(tmp_path, index):
    publish_by_hand(tmp_path, 'img', 1, b'one')
    (tmp_path / 'index.json').write_text(json.dumps(index))
    assert publish_index.read_index(str(tmp_path)) == {}
    changed, rebuilt = publish_index.update_index(str(tmp_path))
    assert changed and rebuilt['images']['img']['latest'] == 'img-1.sif'
    assert publish_index.read_index(str(tmp_path))['images']['img']['latest'] == 'img-1.sif'


def test_index_errors_name_the_file_and_the_key():
    with pytest.raises(SchemaError, match=r'www/index.json: images.img.builds\[0\].file: required key is missing'):
        publish_index.parse_index(b'{"images": {"img": {"builds": [{}]}}}', 'www/index.json')
    with pytest.raises(SchemaError, match=r'img-1.sif.json: sha256: expected a string or null, got an integer 5'):
        publish_index.parse_build_json(b'{"sha256": 5}', 'img-1.sif.json')


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


def _documents(good):
    shaped = st.fixed_dictionaries(dict((key, st.one_of(st.just(value), _VALUES)) for key, value in good.items()),
                                   optional={'extra': _VALUES})
    return st.one_of(
        shaped.map(lambda value: json.dumps(value).encode()),
        _VALUES.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=120),
        st.integers(min_value=1, max_value=3000).map(lambda depth: b'[' * depth + b']' * depth),
        st.integers(min_value=4000, max_value=6000).map(lambda digits: b'{"size": ' + b'9' * digits + b'}'))


_GOOD_BUILD = {'name': 'casa-dev-5.3', 'size': 3, 'build_number': 2, 'md5': 'a' * 32, 'sha256': 'b' * 64,
               'image_id': 'u-1', 'image_version': '5.3', 'type': 'dev', 'system': 'ubuntu-22.04',
               'creation_time': 't', 'publication_time': 't', 'origin_run': 'u-0', 'source_image_id': 'sha256:1',
               'source_layers': ['sha256:l1', 'sha256:l2']}
_GOOD_INDEX = {'format': 1, 'generated': 't', 'base_url': None,
               'images': {'img': {'latest': 'img-1.sif', 'latest_build_number': 1, 'latest_link': 'img-latest.sif',
                                  'builds': [{'file': 'img-1.sif', 'build_number': 1}]}}}
_RUN = {'type': 'run', 'image_version': '5.3', 'image_id': 'u-0', 'source_layers': ['sha256:l1'],
        'build_number': 1, 'file': 'casa-run-5.3-1.sif'}


@fuzz_settings
@given(_documents(_GOOD_BUILD))
def test_build_json_parser_never_crashes(data):
    where = 'www/casa-dev-5.3-2.sif.json'
    build = check_parser('published build JSON (<name>-<N>.sif.json)',
                         lambda: publish_index.parse_build_json(data, where), where)
    if build is not None:
        build = dict(build, name='casa-dev-5.3', build_number=2, file='casa-dev-5.3-2.sif', published_size=3)
        assert publish_index._index_entry(build, 'http://h/')['file'] == 'casa-dev-5.3-2.sif'
        publish_lineage.run_image_of(build, [_RUN, build])


@fuzz_settings
@given(_documents(_GOOD_INDEX))
def test_index_parser_never_crashes(data):
    where = 'www/index.json'
    index = check_parser('publish area index.json', lambda: publish_index.parse_index(data, where), where)
    if index is not None:
        # What the publisher reads of it: every value has its declared type.
        latest = ((index.get('images') or {}).get('img') or {}).get('latest')
        assert latest is None or isinstance(latest, str)
        assert index.get('base_url') is None or isinstance(index['base_url'], str)
