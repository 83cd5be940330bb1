# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _build_context as bc


def context(tmp_path, files, dockerignore=None):
    base = tmp_path / 'ctx'
    for name, text in files.items():
        write(str(base / name), text)
    if dockerignore is not None:
        write(str(base / '.dockerignore'), dockerignore)
    return str(base)


def render_with(parameters):
    return lambda text, where: text % parameters


# ------------------------------------------------------------------ .dockerignore

def test_parse_dockerignore_drops_blanks_and_comments():
    assert bc.parse_dockerignore('# c\n\n*.log\n  build/ \n!keep.log\n') == ['*.log', 'build/', '!keep.log']


def test_read_dockerignore_absent_is_empty(tmp_path):
    assert bc.read_dockerignore(str(tmp_path)) == []


def test_kept_paths_applies_patterns_and_always_keeps_the_dockerfile():
    paths = ['Dockerfile', '.dockerignore', 'a.log', 'keep.log', 'src/x.py']
    assert bc.kept_paths(paths, ['*.log', '!keep.log', 'Dockerfile']) == ['Dockerfile', '.dockerignore', 'keep.log', 'src/x.py']
    assert bc.kept_paths(paths, ['.dockerignore'], always=('Dockerfile', '.dockerignore')) == paths
    assert bc.kept_paths(paths, []) == paths


# ------------------------------------------------------------------ entries and staging

def test_entries_render_templates_and_honour_dockerignore(tmp_path):
    directory = context(tmp_path, {
        'Dockerfile.template': 'FROM %(base)s\n',
        'keep.txt': 'k',
        'skip.log': 'ignored',
        'recipe.yaml': 'x',
    }, dockerignore='*.log\n')
    entries = bc.directory_entries(directory, leave_out=('recipe.yaml',), render=render_with({'base': 'debian:12'}))
    paths = [entry.relpath for entry in entries]
    assert 'skip.log' not in paths and 'recipe.yaml' not in paths
    assert 'Dockerfile' in paths and 'keep.txt' in paths and 'Dockerfile.template' not in paths
    assert bc.dockerfile_text(entries, 'Dockerfile') == 'FROM debian:12\n'
    assert bc.needs_staging(entries)


def test_entries_without_render_keep_templates_as_files(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n', 'x.template': '%(y)s'})
    entries = bc.directory_entries(directory)
    assert [e.relpath for e in entries] == ['Dockerfile', 'x.template']
    assert not bc.needs_staging(entries)
    assert bc.dockerfile_text(entries) == 'FROM a\n'


def test_missing_directory_or_dockerfile_is_an_error(tmp_path):
    with pytest.raises(bc.BuildContextError) as err:
        bc.directory_entries(str(tmp_path / 'none'))
    assert 'does not exist' in str(err.value)
    directory = context(tmp_path, {'only.txt': 'x'})
    with pytest.raises(bc.BuildContextError) as err:
        bc.directory_entries(directory)
    assert 'no Dockerfile' in str(err.value) and directory in str(err.value)
    with pytest.raises(bc.BuildContextError):
        bc.dockerfile_text([], 'Dockerfile')


def test_unreadable_template_names_the_file(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n'})
    with open(os.path.join(directory, 'bad.template'), 'wb') as handle:
        handle.write(b'\xff\xfe')
    with pytest.raises(bc.BuildContextError) as err:
        bc.directory_entries(directory, render=render_with({}))
    assert 'bad.template' in str(err.value) and 'cannot read template' in str(err.value)


def test_empty_directories_are_entries_and_staged(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n', 'full/file.txt': 'x'})
    before = bc.recipe_hash(bc.directory_entries(directory))
    os.makedirs(os.path.join(directory, 'empty'))
    os.symlink('full/file.txt', os.path.join(directory, 'link'))
    entries = bc.directory_entries(directory)
    assert [(e.relpath, e.is_dir) for e in entries if e.is_dir] == [('empty', True)]
    assert [e.kind for e in entries if e.relpath == 'link'] == ['symlink']
    assert bc.recipe_hash(entries) != before
    staged = tmp_path / 'staged'
    staged.mkdir()
    bc.stage_context(entries, str(staged))
    assert (staged / 'empty').is_dir() and (staged / 'full' / 'file.txt').read_text() == 'x'
    assert os.readlink(str(staged / 'link')) == 'full/file.txt'


def test_stage_in_memory_entries(tmp_path):
    entries = [bc.ContextEntry('Dockerfile', data=b'FROM a\n'),
               bc.ContextEntry('bin/run', data=b'#!/bin/sh\n', mode=0o755),
               bc.ContextEntry('lnk', data=b'bin/run', kind='symlink')]
    bc.stage_context(entries, str(tmp_path))
    assert (tmp_path / 'Dockerfile').read_bytes() == b'FROM a\n'
    assert os.stat(str(tmp_path / 'bin' / 'run')).st_mode & 0o111
    assert os.readlink(str(tmp_path / 'lnk')) == 'bin/run'


# ------------------------------------------------------------------ hashing

def test_recipe_hash_changes_with_each_input(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n', 'data.bin': 'abc'})
    base = bc.recipe_hash(bc.directory_entries(directory), parent_ids=['sha256:1'])
    assert base == bc.recipe_hash(bc.directory_entries(directory), parent_ids=['sha256:1'])
    variants = [
        bc.recipe_hash(bc.directory_entries(directory), parent_ids=['sha256:2']),
        bc.recipe_hash(bc.directory_entries(directory), build_args={'A': '1'}, parent_ids=['sha256:1']),
        bc.recipe_hash(bc.directory_entries(directory), labels={'l': 'v'}, parent_ids=['sha256:1']),
        bc.recipe_hash(bc.directory_entries(directory), target='t', parent_ids=['sha256:1']),
    ]
    assert len(set(variants + [base])) == 5
    write(os.path.join(directory, 'data.bin'), 'abd')  # one byte changed
    assert bc.recipe_hash(bc.directory_entries(directory), parent_ids=['sha256:1']) != base
    write(os.path.join(directory, 'data.bin'), 'abd', mode=0o755)  # executable bit
    assert bc.recipe_hash(bc.directory_entries(directory), parent_ids=['sha256:1']) not in (base,)


def test_recipe_hash_ignores_dockerignored_files(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n', 'notes.md': 'x'}, dockerignore='*.md\n')
    before = bc.recipe_hash(bc.directory_entries(directory))
    write(os.path.join(directory, 'notes.md'), 'changed')
    assert bc.recipe_hash(bc.directory_entries(directory)) == before


def test_recipe_hash_is_the_same_for_disk_and_memory(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n'})
    os.symlink('Dockerfile', os.path.join(directory, 'lnk'))
    on_disk = bc.directory_entries(directory)
    in_memory = [bc.ContextEntry('Dockerfile', data=b'FROM a\n', mode=0o644),
                 bc.ContextEntry('lnk', data=b'Dockerfile', mode=0o777, kind='symlink')]
    assert bc.recipe_hash(on_disk) == bc.recipe_hash(in_memory)


def test_recipe_hash_is_stable_across_versions(tmp_path):
    # Images carry this hash in a label: changing the scheme rebuilds every image once.
    entries = [bc.ContextEntry('Dockerfile', data=b'FROM a\n')]
    assert bc.recipe_hash(entries) == bc.recipe_hash(entries, build_args={}, labels={}, target=None, parent_ids=[])
    assert bc.recipe_hash(entries).startswith('sha256:') and len(bc.recipe_hash(entries)) == 71


def test_digest_cache_reuses_and_detects_changes(tmp_path):
    data = tmp_path / 'f'
    data.write_bytes(b'one')
    cache_file = str(tmp_path / 'cache' / 'c.json')
    cache = bc.FileDigestCache(cache_file)
    first = cache.digest(str(data))
    cache.save()
    reloaded = bc.FileDigestCache(cache_file)
    assert reloaded.entries and reloaded.digest(str(data)) == first and not reloaded.dirty
    data.write_bytes(b'two')
    assert reloaded.digest(str(data)) != first


def test_digest_cache_survives_a_damaged_file(tmp_path):
    cache_file = tmp_path / 'c.json'
    cache_file.write_text('{not json')
    assert bc.FileDigestCache(str(cache_file)).entries == {}
    cache_file.write_text('[1, 2]')
    assert bc.FileDigestCache(str(cache_file)).entries == {}


# ------------------------------------------------------------------ why rebuild

def labelled(**labels):
    return {'Id': 'sha256:1', 'Config': {'Labels': labels}}


@pytest.mark.parametrize('existing,kwargs,expected', [
    (labelled(h='sha256:same'), {'force': True}, 'force=true'),
    (labelled(h='sha256:same'), {'pending_parents': ['a:1', 'b:1']}, 'parent a:1, b:1 would be rebuilt'),
    (None, {}, 'image not in the daemon'),
    ({'Id': 'x', 'Config': {'Labels': None}}, {}, 'existing image has no h label (not built by casa.distro)'),
    (labelled(h='sha256:old'), {}, 'recipe inputs changed (hash sha256:old -> sha256:same)'),
    (labelled(h='sha256:same'), {}, None),
    (labelled(), {'unlabelled': 'no label'}, 'no label'),
    (labelled(h='sha256:old', c='1'), {'explain_change': lambda labels: 'context %s' % labels['c']}, 'context 1'),
])
def test_rebuild_reason_ladder(existing, kwargs, expected):
    assert bc.rebuild_reason(existing, 'h', 'sha256:same', **kwargs) == expected


def test_image_labels():
    assert bc.image_labels(None) == {} and bc.image_labels({'Config': None}) == {}
    assert bc.image_labels(labelled(a='b')) == {'a': 'b'}


def test_digest_cache_of_the_wrong_shape_is_ignored(tmp_path):
    cache_file = tmp_path / 'c.json'
    for text in ('{"scheme": "casa-distro-recipe-v1", "files": [1]}', '{"files": {}}', '"x"', '{"scheme": 5}',
                 '{"scheme": "casa-distro-recipe-v1", "files": {"a": "b"}}', b'\xff\xfe'.decode('latin-1'),
                 '{"scheme": "other", "files": {}}', '[' * 5000 + ']' * 5000):
        cache_file.write_text(text)
        cache = bc.FileDigestCache(str(cache_file))
        assert cache.entries == {}
    good = [[1, 2, 3, 4], 'a' * 64]
    cache_file.write_text(json.dumps({'scheme': bc.HASH_SCHEME, 'files': {'/x': good, '/y': [[1, 2], 'a' * 64], '/z': [good[0]]}}))
    assert bc.FileDigestCache(str(cache_file)).entries == {'/x': good}
    data = tmp_path / 'f'
    data.write_bytes(b'one')
    cache_file.write_text('{"scheme": "casa-distro-recipe-v1", "files": {"%s": [[0, 0, 0, 0], 5]}}' % data)
    cache = bc.FileDigestCache(str(cache_file))
    assert cache.digest(str(data)) == hashlib.sha256(b'one').hexdigest()
    cache.save()
    assert bc.FileDigestCache(str(cache_file)).entries


def test_dockerignore_patterns_are_checked_with_their_line(tmp_path):
    assert bc.check_dockerignore('# c\n*.log\n!keep.log\n\n', 'x/.dockerignore') == ['*.log', '!keep.log']
    with pytest.raises(bc.BuildContextError) as err:
        bc.check_dockerignore('ok\n[z-a]\n', 'x/.dockerignore')
    assert str(err.value).startswith("x/.dockerignore:2: invalid pattern '[z-a]': bad character range")
    directory = tmp_path / 'ctx'
    directory.mkdir()
    (directory / '.dockerignore').write_bytes(b'a\n\xff\n')
    with pytest.raises(bc.FileFormatError, match=r'\.dockerignore: not UTF-8 text \(byte 0xff at offset 2\)'):
        bc.read_dockerignore(str(directory))
    (directory / '.dockerignore').unlink()
    (directory / '.dockerignore').symlink_to(tmp_path / 'nowhere')
    with pytest.raises(bc.FileFormatError, match='dangling symlink'):
        bc.read_dockerignore(str(directory))


def test_a_template_that_is_not_utf8_is_named(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n'})
    with open(os.path.join(directory, 'x.template'), 'wb') as handle:
        handle.write(b'\x80')
    with pytest.raises(bc.BuildContextError) as err:
        bc.directory_entries(directory, render=lambda text, where: text)
    assert 'x.template: cannot read template' in str(err.value) and 'byte 0x80 at offset 0' in str(err.value)


# ------------------------------------------------------------------ generated files

from hypothesis import given, strategies as st  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings  # noqa: E402
from ansible_collections.casa.distro.tests.unit.utils.files import write

PATTERN_TEXT = st.lists(st.one_of(st.text(alphabet='[]!*?\\/.-^$(){}#~ ab\t', max_size=10), st.text(max_size=10)), max_size=6)


@fuzz_settings
@given(st.one_of(PATTERN_TEXT.map(lambda lines: '\n'.join(lines).encode('utf-8', 'surrogatepass')), st.binary(max_size=100)))
def test_any_dockerignore_is_read_or_rejected_with_its_name(data):
    where = 'recipes/casa-run/.dockerignore'

    def parse():
        patterns = bc.check_dockerignore(bc.decode_text(data, where), where)
        return bc.kept_paths(['a', 'b/c.txt', 'Dockerfile'], patterns)
    check_parser('.dockerignore', parse, where)


CACHE_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.just('a' * 64)),
                            lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                            max_leaves=10)
CACHE_SHAPED = st.fixed_dictionaries({}, optional={
    'scheme': st.one_of(st.just(bc.HASH_SCHEME), CACHE_VALUES),
    'files': st.one_of(st.dictionaries(st.text(max_size=6), st.one_of(
        st.tuples(st.lists(st.integers(), max_size=5), st.just('a' * 64)).map(list), CACHE_VALUES), max_size=3), CACHE_VALUES),
}).map(lambda value: json.dumps(value).encode())


@fuzz_settings
@given(st.one_of(CACHE_SHAPED, st.binary(max_size=100), st.just(b'[' * 3000)))
def test_any_digest_cache_is_used_or_ignored(tmp_path_factory, data):
    path = str(tmp_path_factory.mktemp('cache') / 'context-digests.json')
    with open(path, 'wb') as handle:
        handle.write(data)
    probe = path + '.probe'
    with open(probe, 'wb') as handle:
        handle.write(b'x')

    def parse():
        cache = bc.FileDigestCache(path)
        assert cache.digest(probe) == hashlib.sha256(b'x').hexdigest()
        return cache.entries
    check_parser('context digest cache', parse, path)


def test_a_fifo_in_the_context_is_refused(tmp_path):
    directory = context(tmp_path, {'Dockerfile': 'FROM a\n'})
    os.mkfifo(os.path.join(directory, 'pipe'))
    with pytest.raises(bc.BuildContextError, match='pipe: not a regular file, directory or symlink'):
        bc.directory_entries(directory)


def test_digests_prefetched_on_several_threads_give_the_same_hash(tmp_path):
    directory = tmp_path / 'ctx'
    directory.mkdir()
    (directory / 'Dockerfile').write_text('FROM scratch\n')
    for index in range(12):
        (directory / ('f%02d' % index)).write_bytes(bytes([index]) * (index * 1000 + 1))
    entries = bc.directory_entries(str(directory))
    sequential = bc.recipe_hash(entries, digest_cache=bc.FileDigestCache())
    cache = bc.FileDigestCache()
    cache.prefetch([entry.source for entry in entries], workers=4)
    assert len(cache.entries) == 13 and cache.dirty
    assert bc.recipe_hash(entries, digest_cache=cache) == sequential
    # One file, or one worker: nothing is computed ahead.
    lone = bc.FileDigestCache()
    lone.prefetch([entries[0].source], workers=4)
    assert lone.entries == {}
