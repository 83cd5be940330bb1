# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import RepositorySet, lineages
from ansible_collections.casa.distro.plugins.module_utils._subuser.report import inspect
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git, open_local


def test_dependency_graph_across_repositories(tmp_path, source):
    base = tmp_path / 'base'
    main = tmp_path / 'main'
    source(base, 'libdebian')
    source(base, 'libpython', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libdebian\nRUN true\n')
    source(main, 'tool', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libpython@https://example.org/base.git\n')
    source(main, 'app', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE  tool\r\n')
    source(main, 'other', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libdebian@default\n')
    repository_set = RepositorySet(mappings={'https://example.org/base.git/': str(base),
                                             'default': str(base)})
    repository = repository_set.add(open_local(str(main)))
    report = inspect(repository_set, repository)
    order = [i.split('@')[0] for i in report['build_order']]
    assert order.index('libdebian') < order.index('libpython') < order.index('tool') < order.index('app')
    # the URL and default map to the same directory: one repository location, one source
    assert order.count('libdebian') == 1
    app = [s for s in report['sources'] if s['name'] == 'app'][0]
    assert [i.split('@')[0] for i in app['lineage']] == ['libdebian', 'libpython', 'tool']
    assert app['valid']
    assert report['invalid'] == []
    assert {d['name'] for d in report['dependencies']} == {'libdebian', 'libpython'}


def test_cycles_are_named(tmp_path, source):
    source(tmp_path, 'a', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE b\n')
    source(tmp_path, 'b', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE c\n')
    source(tmp_path, 'c', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE a\n')
    source(tmp_path, 'd', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE a\n')
    source(tmp_path, 'self', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE self\n')
    source(tmp_path, 'ok')
    repository_set = RepositorySet()
    repository = repository_set.add(open_local(str(tmp_path)))
    report = inspect(repository_set, repository)
    by_name = {s['name']: s for s in report['sources']}
    assert any('cycle' in e and ' -> ' in e for e in by_name['a']['errors'])
    cycle_text = [e for e in by_name['b']['errors'] if 'cycle' in e][0]
    for name in ('a@', 'b@', 'c@'):
        assert name in cycle_text
    assert any('ancestor' in e and 'cycle' in e for e in by_name['d']['errors'])
    assert any('self@' in e and 'cycle' in e for e in by_name['self']['errors'])
    assert [i.split('@')[0] for i in report['build_order']] == ['ok']


def test_missing_parent_and_forbidden_identifier(tmp_path, source):
    source(tmp_path, 'a', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE nothere\n')
    source(tmp_path, 'b', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE x@/srv/repo\n')
    source(tmp_path, 'c', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE a\n')
    source(tmp_path, 'd', 'Dockerfile', 'FROM-SUBUSER-IMAGE a\n')
    repository_set = RepositorySet()
    repository = repository_set.add(open_local(str(tmp_path)))
    report = inspect(repository_set, repository)
    by_name = {s['name']: s for s in report['sources']}
    assert 'no image source "nothere"' in by_name['a']['errors'][0]
    assert 'SubuserImagefile:1' in by_name['a']['errors'][0]
    assert 'local repositories is forbidden' in by_name['b']['errors'][0]
    assert by_name['c']['blocked_by'] == [by_name['a']['identifier']] and not by_name['c']['valid']
    assert 'only works in a SubuserImagefile' in by_name['d']['errors'][0]


def test_lineages_linear_for_long_chains(tmp_path, source):
    source(tmp_path, 's0')
    for index in range(1, 60):
        source(tmp_path, 's%d' % index, 'SubuserImagefile', 'FROM-SUBUSER-IMAGE s%d\n' % (index - 1))
    repository_set = RepositorySet()
    repository = repository_set.add(open_local(str(tmp_path)))
    order, lineage = lineages(repository_set, [repository.sources['s59'], repository.sources['s3']])
    assert [s.name for s in order] == ['s%d' % i for i in range(60)]
    assert len(lineage[repository.sources['s59'].key]) == 59


def _default_repository(root, source):
    source(root, 'libx11', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libdebian@default\n')
    source(root, 'libdebian')
    source(root, 'blender-base', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libx11@default\n')
    source(root, 'blender', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE blender-base\n')


@pytest.mark.parametrize('names', [['blender-base', 'libx11'], ['libx11', 'blender-base'],
                                   ['blender', 'libx11', 'blender-base']])
@pytest.mark.parametrize('mapped', ['same', 'trailing slash'])
def test_default_inspected_as_itself_is_one_repository(tmp_path, source, names, mapped):
    """Issue 10 §5: @default resolving to the repository inspected gives its own sources."""
    root = tmp_path / 'default'
    _default_repository(root, source)
    location = str(root) if mapped == 'same' else str(root) + '/'
    repository_set = RepositorySet(mappings={'default': location})
    repository = repository_set.add(open_local(str(root)))
    report = inspect(repository_set, repository, names)
    display = repository.display
    by_name = {s['name']: s for s in report['sources']}
    assert by_name['libx11']['parent'] == 'libdebian@' + display
    assert by_name['blender-base']['parent'] == 'libx11@' + display
    assert by_name['blender-base']['lineage'] == ['libdebian@' + display, 'libx11@' + display]
    assert report['build_order'][:3] == ['libdebian@' + display, 'libx11@' + display, 'blender-base@' + display]
    assert len(report['build_order']) == len(set(report['build_order']))
    assert report['dependencies'] == [] and report['repositories'] == [] and report['invalid'] == []
    assert repository_set.open('default') is repository


def test_default_by_url_is_the_inspected_git_repository(tmp_path, source, git):
    work = tmp_path / 'work'
    _default_repository(work, source)
    git(tmp_path, 'init', '-q', '-b', 'latest', str(work))
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', 'sources')
    url = 'file://%s' % work
    repository_set = RepositorySet(cache_dir=str(tmp_path / 'cache'), mappings={'default': url + '/'})
    repository = repository_set.add(open_git(url, str(tmp_path / 'cache')))
    try:
        first = inspect(repository_set, repository, ['blender-base', 'libx11'])
        second = inspect(repository_set, repository, ['libx11', 'blender-base'])
    finally:
        repository_set.close()
    assert first['build_order'] == second['build_order'] == [
        'libdebian@' + url, 'libx11@' + url, 'blender-base@' + url]
    assert [s['parent'] for s in first['sources']] == ['libx11@' + url, 'libdebian@' + url]
    assert first['repositories'] == []


def test_a_parent_repository_linking_out_fails_the_task(tmp_path, source, write):
    """Security (issue 9, item 4): refused whichever repository holds the path."""
    write(tmp_path / 'outside', 'secret.json', {})
    base = tmp_path / 'base'
    source(base, 'libx11')
    os.unlink(str(base / 'libx11' / 'permissions.json'))
    os.symlink(str(tmp_path / 'outside' / 'secret.json'), str(base / 'libx11' / 'permissions.json'))
    main = tmp_path / 'main'
    source(main, 'app', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libx11@default\n')
    repository_set = RepositorySet(mappings={'default': str(base)})
    repository = repository_set.add(open_local(str(main)))
    with pytest.raises(UnsafePathError, match='libx11/permissions.json" is a symlink pointing outside'):
        inspect(repository_set, repository)
