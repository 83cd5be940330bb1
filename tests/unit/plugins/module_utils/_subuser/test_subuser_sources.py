# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import RepositorySet, lineages
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_local


def test_discovery_is_a_real_path_check(tmp_path, write, source):
    source(tmp_path, 'vim')
    write(tmp_path, 'docs/README', 'not a source')  # no permissions.json: not a source
    write(tmp_path, 'independent-tool/permissions.json', {})  # "dependent" is no trap here
    write(tmp_path, 'independent-tool/image/SubuserImagefile', 'FROM debian\n')
    write(tmp_path, 'deep/nested/permissions.json', {})  # not an immediate sub-directory
    repository = open_local(str(tmp_path))
    assert sorted(repository.sources) == ['independent-tool', 'vim']
    assert repository.sources['vim'].image_file == 'vim/image/Dockerfile'
    assert repository.sources['vim'].valid


def test_dockerfile_wins_and_deprecated_dir(tmp_path, write, source):
    source(tmp_path, 'a', image_dir='docker-image')
    write(tmp_path, 'a/docker-image/SubuserImagefile', 'FROM-SUBUSER-IMAGE b\n')
    repository = open_local(str(tmp_path))
    a = repository.sources['a']
    assert a.image_file == 'a/docker-image/Dockerfile'
    assert a.deprecated_image_dir
    assert any('deprecated' in w for w in a.warnings)
    assert a.parent_identifier is None


def test_missing_image_dir_and_image_file(tmp_path, write):
    write(tmp_path, 'a/permissions.json', {})
    write(tmp_path, 'b/permissions.json', {})
    write(tmp_path, 'b/image/README', '')
    repository = open_local(str(tmp_path))
    assert 'no image/ directory' in repository.sources['a'].errors[0]
    assert 'neither Dockerfile nor SubuserImagefile' in repository.sources['b'].errors[0]


def test_image_sources_dir_and_explicit_override(tmp_path, write, source):
    write(tmp_path, '.subuser.json', {
        'image-sources-dir': 'images',
        'explicit-image-sources': {
            'vim': {'image-file': 'subuser/SubuserImagefile', 'build-context': './',
                    'permissions-file': 'subuser/permissions.json'},
        }})
    source(os.path.join(str(tmp_path), 'images'), 'vim')
    source(os.path.join(str(tmp_path), 'images'), 'emacs')
    write(tmp_path, 'subuser/SubuserImagefile', 'FROM-SUBUSER-IMAGE emacs\n')
    write(tmp_path, 'subuser/permissions.json', {'gui': True})
    repository = open_local(str(tmp_path))
    vim = repository.sources['vim']
    assert vim.explicit and vim.build_context == '' and vim.permissions.level == 'moderate'
    assert any('overrides' in w for w in repository.warnings)
    order, _lineage = lineages(RepositorySet(), [vim])
    assert [s.name for s in order] == ['emacs', 'vim']


def test_explicit_entries_with_missing_keys_or_bad_names(tmp_path, write):
    write(tmp_path, '.subuser.json', {'explicit-image-sources': {
        'c': {'image-file': 'Dockerfile', 'build-context': '.'},
        'd': {'image-file': 'build.sh', 'build-context': '.', 'permissions-file': 'p.json'},
        'e': ['not', 'an', 'object'],
        'f': {'image-file': 5, 'build-context': '.', 'permissions-file': 'p.json'},
    }})
    write(tmp_path, 'p.json', {})
    write(tmp_path, 'Dockerfile', 'FROM debian\n')
    write(tmp_path, 'build.sh', '')
    repository = open_local(str(tmp_path))
    errors = {name: ' '.join(s.errors) for name, s in repository.sources.items()}
    assert 'lacks permissions-file' in errors['c']
    assert 'must be named Dockerfile or SubuserImagefile' in errors['d']
    assert 'explicit-image-sources.e: expected an object with image-file, build-context and permissions-file, got a list' in errors['e']
    assert 'explicit-image-sources.f: image-file: expected a non-empty path relative to the repository root, got an integer 5' in errors['f']


@pytest.mark.parametrize('entry, message', [
    ({'image-file': '../outside/Dockerfile', 'build-context': '.', 'permissions-file': 'p.json'}, 'leaves the repository'),
    ({'image-file': 'Dockerfile', 'build-context': '.', 'permissions-file': 'link/perm.json'}, 'symlink pointing outside'),
    ({'image-file': 'Dockerfile', 'build-context': '.git', 'permissions-file': 'p.json'}, 'inside .git'),
    ({'image-file': '.git/x/Dockerfile', 'build-context': '.', 'permissions-file': 'p.json'}, 'inside .git'),
    ({'image-file': 'Dockerfile', 'build-context': 'gitlink', 'permissions-file': 'p.json'}, 'symlink into .git'),
    ({'image-file': 'Dockerfile', 'build-context': '/etc', 'permissions-file': 'p.json'}, 'absolute path'),
])
def test_explicit_paths_leaving_repository_refuse_the_repository(tmp_path, write, entry, message):
    """Security (issue 9, item 4): a path out of the repository or into .git fails the read."""
    outside = tmp_path / 'outside'
    inside = tmp_path / 'repo'
    write(outside, 'perm.json', {})
    write(inside, '.subuser.json', {'image-sources-dir': 'images', 'explicit-image-sources': {'a': entry}})
    write(inside, 'images/README', '')
    write(inside, 'p.json', {})
    write(inside, 'Dockerfile', 'FROM debian\n')
    write(inside, '.git/x/Dockerfile', 'FROM debian\n')
    os.symlink(str(outside), str(inside / 'link'))
    os.symlink('.git', str(inside / 'gitlink'))
    with pytest.raises(UnsafePathError, match=message):
        open_local(str(inside))


def test_symlinked_source_dir_outside_fails(tmp_path, source):
    """Security (issue 9, item 4): it was dropped with a warning, now the read fails."""
    source(tmp_path / 'outside', 'evil')
    repo = tmp_path / 'repo'
    source(repo, 'fine')
    os.symlink(str(tmp_path / 'outside' / 'evil'), str(repo / 'evil'))
    with pytest.raises(UnsafePathError, match='evil/permissions.json.*symlink pointing outside the repository'):
        open_local(str(repo))


def test_permissions_json_symlink_outside_fails(tmp_path, source, write):
    """Security (issue 9, item 4): a permissions.json linking out of the repository."""
    write(tmp_path / 'outside', 'secret.json', {})
    repo = tmp_path / 'repo'
    source(repo, 'fine')
    source(repo, 'evil')
    os.unlink(str(repo / 'evil' / 'permissions.json'))
    os.symlink(str(tmp_path / 'outside' / 'secret.json'), str(repo / 'evil' / 'permissions.json'))
    with pytest.raises(UnsafePathError, match='symlink pointing outside'):
        open_local(str(repo))


def test_image_sources_dir_through_a_symlink_into_git(tmp_path, source, write):
    source(tmp_path, 'fine')
    write(tmp_path, '.git/hooks/permissions.json', {})
    os.symlink('.git', str(tmp_path / 'meta'))
    write(tmp_path, '.subuser.json', {'image-sources-dir': 'meta'})
    with pytest.raises(UnsafePathError, match='symlink into .git'):
        open_local(str(tmp_path))


def test_image_file_encoding_and_docker_from(tmp_path, source, write):
    source(tmp_path, 'latin', 'SubuserImagefile', 'x')
    (tmp_path / 'latin' / 'image' / 'SubuserImagefile').write_bytes(b'FROM-SUBUSER-IMAGE caf\xe9\n')
    source(tmp_path, 'docker', 'Dockerfile', 'x')
    (tmp_path / 'docker' / 'image' / 'Dockerfile').write_bytes(b'# caf\xe9\nFROM debian\n')
    source(tmp_path, 'wrong', 'Dockerfile', '# comment\nFROM libx11@default\nRUN true\n')
    source(tmp_path, 'digest', 'Dockerfile', 'FROM --platform=linux/amd64 debian@sha256:%s AS base\n' % ('a' * 64))
    source(tmp_path, 'arg', 'Dockerfile', 'ARG BASE\nFROM ${BASE}@x\n')
    repository = open_local(str(tmp_path))
    latin = repository.sources['latin']
    assert latin.errors == ['%s: not UTF-8 text (byte 0xe9 at offset 22)' % latin.where('latin/image/SubuserImagefile')]
    docker = repository.sources['docker']
    assert docker.valid and 'not UTF-8 text' in docker.warnings[0]
    wrong = repository.sources['wrong']
    assert wrong.valid and wrong.docker_from == [(2, 'libx11@default')]
    assert wrong.warnings == ['%s:2: "FROM libx11@default" is not a Docker image reference (Docker expects a digest '
                              'after "@"); to start from another image source write "FROM-SUBUSER-IMAGE '
                              'libx11@default" in a SubuserImagefile' % wrong.where('wrong/image/Dockerfile')]
    assert repository.sources['digest'].docker_from == []
    assert repository.sources['arg'].docker_from == []
