# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _files


def test_atomic_write_creates_directories_and_writes_text(tmp_path):
    path = tmp_path / 'a' / 'b' / 'file.txt'
    _files.atomic_write(str(path), 'héllo')
    assert path.read_bytes() == 'héllo'.encode('utf-8')
    assert [p.name for p in path.parent.iterdir()] == ['file.txt']  # no temporary left


def test_atomic_write_keeps_the_mode_of_the_replaced_file(tmp_path):
    path = tmp_path / 'script.sh'
    path.write_text('old')
    os.chmod(str(path), 0o751)
    _files.atomic_write(str(path), b'new')
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o751 and path.read_text() == 'new'
    _files.atomic_write(str(path), b'newer', mode=0o600)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


def test_atomic_write_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'plan.yml'
    path.write_text('old content')
    with pytest.raises(TypeError):
        _files.atomic_write(str(path), 12345)
    assert path.read_text() == 'old content'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['plan.yml']


def test_write_if_changed(tmp_path):
    path = tmp_path / 'x'
    assert _files.write_if_changed(str(path), 'a') is True
    before = os.stat(str(path)).st_ino
    assert _files.write_if_changed(str(path), b'a') is False
    assert os.stat(str(path)).st_ino == before
    assert _files.write_if_changed(str(path), 'b') is True and path.read_text() == 'b'


def test_file_digests_read_once_match_hashlib(tmp_path):
    path = tmp_path / 'blob'
    data = os.urandom(2 * _files.CHUNK + 17)
    path.write_bytes(data)
    digests = _files.file_digests(str(path), ('sha256', 'md5'))
    assert digests == {'sha256': hashlib.sha256(data).hexdigest(), 'md5': hashlib.md5(data).hexdigest()}
    assert _files.file_sha256(str(path)) == digests['sha256']


def test_file_digests_threaded_large_file(tmp_path):
    path = tmp_path / 'big'
    data = os.urandom(3 * _files.CHUNK + 17)
    path.write_bytes(data)
    assert _files.file_digests(str(path), ('md5', 'sha256', 'sha1')) == {
        'md5': hashlib.md5(data).hexdigest(), 'sha256': hashlib.sha256(data).hexdigest(),
        'sha1': hashlib.sha1(data).hexdigest()}
    empty = tmp_path / 'empty'
    empty.write_bytes(b'')
    assert _files.file_digests(str(empty), ('md5', 'sha256'))['sha256'] == hashlib.sha256(b'').hexdigest()


def test_atomic_symlink_replaces_and_leaves_no_temporary(tmp_path):
    (tmp_path / 'a-1.sif').write_text('1')
    (tmp_path / 'a-2.sif').write_text('2')
    link = str(tmp_path / 'a-latest.sif')
    _files.atomic_symlink('a-1.sif', link)
    _files.atomic_symlink('a-2.sif', link)
    assert os.readlink(link) == 'a-2.sif' and (tmp_path / 'a-latest.sif').read_text() == '2'
    assert sorted(os.listdir(str(tmp_path))) == ['a-1.sif', 'a-2.sif', 'a-latest.sif']


def test_public_files_are_world_readable(tmp_path):
    path = tmp_path / 'index.json'
    old = os.umask(0o077)
    try:
        _files.atomic_write(str(path), '{}', mode=_files.PUBLIC_MODE)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644


def test_atomic_copy_streams_and_sets_the_mode(tmp_path):
    src = tmp_path / 'upload.sif'
    data = os.urandom(_files.CHUNK + 5)
    src.write_bytes(data)
    dest = tmp_path / 'www' / 'img-1.sif'
    _files.atomic_copy(str(src), str(dest), mode=_files.PUBLIC_MODE)
    assert dest.read_bytes() == data and stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o644
    assert sorted(os.listdir(str(dest.parent))) == ['img-1.sif']


def test_atomic_copy_of_a_missing_source_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        _files.atomic_copy(str(tmp_path / 'missing'), str(tmp_path / 'dest'))
    assert sorted(os.listdir(str(tmp_path))) == []


# ---------------------------------------------------------------- readers that name the file
def test_read_text_names_the_file_for_every_kind_of_unreadable_path(tmp_path):
    with pytest.raises(_files.FileFormatError, match='does not exist'):
        _files.read_text(str(tmp_path / 'missing.yml'))
    with pytest.raises(_files.FileFormatError, match='is a directory, expected a file'):
        _files.read_text(str(tmp_path))
    dangling = tmp_path / 'dangling.json'
    dangling.symlink_to(tmp_path / 'nowhere')
    with pytest.raises(_files.FileFormatError, match='dangling symlink'):
        _files.read_text(str(dangling))


def test_read_text_rejects_non_utf8_with_the_offset_and_drops_a_bom(tmp_path):
    path = tmp_path / 'bad.txt'
    path.write_bytes(b'ok\n\xff\xfe')
    with pytest.raises(_files.FileFormatError) as info:
        _files.read_text(str(path))
    assert str(info.value) == '%s: not UTF-8 text (byte 0xff at offset 3)' % path
    assert info.value.details == {'file': str(path)}
    path.write_bytes(b'\xef\xbb\xbfname')
    assert _files.read_text(str(path)) == 'name'


def test_parse_json_reports_line_and_column_and_survives_deep_nesting():
    with pytest.raises(_files.FileFormatError) as info:
        _files.parse_json('{\n  "a": 1,\n}', 'x.json')
    assert str(info.value).startswith('x.json:3:1: invalid JSON: ')
    assert info.value.details == {'file': 'x.json', 'line': 3, 'column': 1}
    with pytest.raises(_files.FileFormatError, match='x.json: JSON nested too deeply'):
        _files.parse_json('[' * 100000 + ']' * 100000, 'x.json')
    assert _files.parse_json(b'{"a": [1]}', 'x.json') == {'a': [1]}


def test_write_json_is_canonical_and_read_json_reads_it_back(tmp_path):
    path = tmp_path / 'out' / 'data.json'
    _files.write_json(str(path), {'b': 1, 'a': [2]}, indent=2)
    assert path.read_text() == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'
    assert _files.read_json(str(path)) == {'a': [2], 'b': 1}


def test_parse_yaml_reports_position_and_refuses_values_python_cannot_hold():
    with pytest.raises(_files.FileFormatError) as info:
        _files.parse_yaml('a: [1\nb: 2\n', 'plan.yml')
    assert str(info.value).startswith('plan.yml:2:') and 'invalid YAML' in str(info.value)
    with pytest.raises(_files.FileFormatError, match='^plan.yml: a YAML value cannot be read: '):
        _files.parse_yaml('n: ' + '9' * 5000, 'plan.yml')
    with pytest.raises(_files.FileFormatError, match='^plan.yml: not UTF-8 text'):
        _files.parse_yaml(b'a: \xff', 'plan.yml')
    assert _files.parse_yaml(b'a: [1]', 'plan.yml') == {'a': [1]}
