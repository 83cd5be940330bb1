# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

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


def test_explicit_paths_leaving_repository_refused(tmp_path, write):
    outside = tmp_path / 'outside'
    inside = tmp_path / 'repo'
    write(outside, 'perm.json', {})
    write(inside, '.subuser.json', {'explicit-image-sources': {
        'a': {'image-file': '../outside/Dockerfile', 'build-context': '.', 'permissions-file': 'p.json'},
        'b': {'image-file': 'Dockerfile', 'build-context': '.', 'permissions-file': 'link/perm.json'},
        'c': {'image-file': 'Dockerfile', 'build-context': '.'},
        'd': {'image-file': 'build.sh', 'build-context': '.', 'permissions-file': 'p.json'},
    }})
    write(inside, 'p.json', {})
    write(inside, 'Dockerfile', 'FROM debian\n')
    write(inside, 'build.sh', '')
    os.symlink(str(outside), str(inside / 'link'))
    repository = open_local(str(inside))
    errors = {name: ' '.join(s.errors) for name, s in repository.sources.items()}
    assert 'leaves the repository' in errors['a']
    assert 'symlink pointing outside' in errors['b']
    assert 'lacks permissions-file' in errors['c']
    assert 'must be named Dockerfile or SubuserImagefile' in errors['d']


def test_symlinked_source_dir_outside_is_not_discovered(tmp_path, source):
    source(tmp_path / 'outside', 'evil')
    repo = tmp_path / 'repo'
    source(repo, 'fine')
    os.symlink(str(tmp_path / 'outside' / 'evil'), str(repo / 'evil'))
    repository = open_local(str(repo))
    assert sorted(repository.sources) == ['fine']
    assert any('outside' in w for w in repository.warnings)
