# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.side_files: the casa-distro v3 side file, read back leniently."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._schema import SchemaError
from ansible_collections.casa.distro.plugins.module_utils._sif import labels, side_files
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


def test_side_file_data_has_casa_distro_v3_fields():
    sif_labels = {labels.LABEL_SIF_IMAGE_ID: 'u-1', labels.LABEL_COMPRESSION: 'zstd', labels.LABEL_BACKEND: 'native',
                  'org.label-schema.build-arch': 'amd64'}
    data = side_files.side_file_data('/x/casa-run-5.3.sif', sif_labels, 42, {'md5': 'm', 'sha256': 's'},
                                     {'type': 'run', 'system': 'ubuntu-22.04', 'image_version': '5.3',
                                      'origin': 'casa-system', 'origin_run': None},
                                     {'image_id': 'sha256:1', 'reference': 'r', 'digest': 'sha256:d'})
    for key in ('name', 'type', 'system', 'image_version', 'creation_time', 'size', 'md5', 'image_id',
                'build_number', 'sha256', 'source_image_id', 'source_digest', 'origin'):
        assert key in data
    assert data['name'] == 'casa-run-5.3'
    assert data['image_id'] == 'u-1'
    assert data['build_number'] is None
    assert 'origin_run' not in data  # None values are not written
    assert (data['size'], data['md5'], data['sha256']) == (42, 'm', 's')
    assert (data['source_image_id'], data['source_digest']) == ('sha256:1', 'sha256:d')


def test_atomic_write_and_side_file(tmp_path):
    sif = tmp_path / 'a.sif'
    (tmp_path / 'a.sif.json').write_text(json.dumps({'size': 1}))
    assert side_files.read_side_file(str(sif)) == {'size': 1}
    assert sorted(os.listdir(tmp_path)) == ['a.sif.json']
    # A malformed side file is ignored (and rewritten by the converter), not reported.
    (tmp_path / 'b.sif.json').write_text('{broken')
    assert side_files.read_side_file(str(tmp_path / 'b.sif')) is None
    (tmp_path / 'c.sif.json').write_text('[1, 2]')
    assert side_files.read_side_file(str(tmp_path / 'c.sif')) is None
    (tmp_path / 'd.sif.json').write_bytes(b'{"a": "\xff"}')
    assert side_files.read_side_file(str(tmp_path / 'd.sif')) is None
    assert side_files.read_side_file(str(tmp_path / 'missing.sif')) is None


def test_write_side_file_and_v2_files(tmp_path):
    sif = tmp_path / 'casa-run.sif'
    sif.write_bytes(b'content')
    data = side_files.write_side_file(str(sif), {labels.LABEL_SIF_IMAGE_ID: 'u-2'}, {'type': 'run'},
                                      {'image_id': 'sha256:9', 'reference': 'r', 'digest': None})
    written = (tmp_path / 'casa-run.sif.json').read_text()
    assert json.loads(written) == data and written.endswith('}\n')
    assert data['sha256'] == hashlib.sha256(b'content').hexdigest()
    assert data['md5'] == hashlib.md5(b'content').hexdigest()
    assert oct(os.stat(str(sif) + '.json').st_mode & 0o777) == '0o644'
    files = side_files.v2_files(str(sif), data['md5'], 'sha256:9')
    assert [path for path, dummy in files] == [str(sif) + '.md5', str(sif) + '.dockerid']
    for path, text in files:
        assert not side_files.v2_file_current(path, text)
        side_files.write_v2_file(path, text)
        assert side_files.v2_file_current(path, text)
    assert (tmp_path / 'casa-run.sif.md5').read_text() == data['md5']  # no newline


def test_a_side_file_of_another_shape_is_ignored_and_the_layers_recorded(tmp_path):
    (tmp_path / 'e.sif.json').write_text(json.dumps({'size': 'big', 'sha256': 's'}))
    assert side_files.read_side_file(str(tmp_path / 'e.sif')) is None  # rewritten by the converter
    (tmp_path / 'f.sif').mkdir()
    (tmp_path / 'f.sif.json').mkdir()
    assert side_files.read_side_file(str(tmp_path / 'f.sif')) is None
    os.symlink('nowhere', str(tmp_path / 'g.sif.json'))
    assert side_files.read_side_file(str(tmp_path / 'g.sif')) is None
    data = side_files.side_file_data('/x/a.sif', {}, 1, {'md5': 'm', 'sha256': 's'}, {},
                                     {'image_id': 'sha256:1', 'layers': ['sha256:l1', 'sha256:l2']})
    assert data['source_layers'] == ['sha256:l1', 'sha256:l2']
    assert side_files.parse_side_file(json.dumps(data).encode(), 'a.sif.json') == data


@pytest.mark.parametrize('document, message', [
    ({'size': '12'}, 'a.sif.json: size: expected an integer of at least 0 or null, got a string'),
    ({'source_layers': [1]}, r'a.sif.json: source_layers: expected a list of strings or null'),
    ({'name': ['x']}, 'a.sif.json: name: expected a string or null, got a list'),
])
def test_side_file_errors_name_the_file_and_the_key(document, message):
    with pytest.raises(SchemaError, match=message):
        side_files.parse_side_file(json.dumps(document).encode(), 'a.sif.json')


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)
_GOOD = side_files.side_file_data('/x/casa-run-5.3.sif', {labels.LABEL_SIF_IMAGE_ID: 'u'}, 10,
                                  {'md5': 'a' * 32, 'sha256': 'b' * 64}, {'type': 'run'},
                                  {'image_id': 'sha256:1', 'layers': ['sha256:l']})
_SHAPED = st.fixed_dictionaries(dict((key, st.one_of(st.just(value), _VALUES)) for key, value in _GOOD.items()),
                                optional={'origin': _VALUES})
_SIDE_FILES = st.one_of(
    _SHAPED.map(lambda value: json.dumps(value).encode()),
    _VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=120),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b'{"a": ' * depth + b'1' + b'}' * depth),
    st.integers(min_value=4000, max_value=6000).map(lambda digits: b'{"size": ' + b'9' * digits + b'}'))


@fuzz_settings
@given(_SIDE_FILES)
def test_side_file_parser_never_crashes(data):
    where = 'casa-run-5.3.sif.json'
    side = check_parser('SIF side file (<sif>.json)', lambda: side_files.parse_side_file(data, where), where)
    if side is not None:
        assert isinstance(side, dict)
        assert side.get('size') is None or side['size'] >= 0
