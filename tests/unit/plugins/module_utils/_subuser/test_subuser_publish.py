# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.publish import publish
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git


def test_publish_is_idempotent(tmp_path, git):
    dest = tmp_path / 'dest.git'
    git(tmp_path, 'init', '-q', '--bare', '-b', 'main', str(dest))
    sources = [{'name': 'hello', 'image': 'debian:bookworm', 'permissions': {'description': 'hi'}},
               {'name': 'child', 'parent': 'hello', 'permissions': {'description': 'child'}}]
    first = publish(str(dest), sources, image_sources_dir='images',
                    version_constraints=[['>=', '0.6', 'master']])
    assert first['pushed'] and first['branch'] == 'master' and first['commit_before'] is None
    assert '.subuser.json' in first['changed_files']
    again = publish(str(dest), sources, image_sources_dir='images',
                    version_constraints=[['>=', '0.6', 'master']])
    assert not again['pushed'] and again['changed_files'] == [] and again['commit'] == first['commit']
    checked = publish(str(dest), sources[:1], image_sources_dir='images', prune=True, check_mode=True)
    assert not checked['pushed'] and checked['removed_sources'] == ['child']
    assert git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master') == first['commit']
    repository = open_git('file://%s' % dest, str(tmp_path / 'cache'), subuser_version='0.6.2')
    assert sorted(repository.sources) == ['child', 'hello']
    assert repository.sources['child'].parent_text == 'hello'


def test_publish_creates_the_bare_repository_it_serves_when_missing(tmp_path, git):
    bare = tmp_path / 'served' / 'subuser.git'
    sources = [{'name': 'hello', 'image': 'debian:bookworm', 'permissions': {'description': 'hi'}}]
    predicted = publish('file://%s' % bare, sources, branch='main', image_sources_dir='images',
                        check_mode=True, init_bare=str(bare))
    # Check mode: nothing created, the first publication predicted from the files alone.
    assert not bare.exists()
    assert predicted['created_bare'] == str(bare) and predicted['branch'] == 'main'
    assert predicted['changed_files'] == ['.subuser.json', 'images/hello/image/SubuserImagefile',
                                          'images/hello/permissions.json']
    first = publish('file://%s' % bare, sources, branch='main', image_sources_dir='images', init_bare=str(bare))
    assert first['created_bare'] == str(bare) and first['pushed']
    assert sorted(first['changed_files']) == predicted['changed_files']
    # Its HEAD names the branch published, so that a plain clone checks it out.
    assert git(tmp_path, '--git-dir', str(bare), 'symbolic-ref', 'HEAD') == 'refs/heads/main'
    again = publish('file://%s' % bare, sources, branch='main', image_sources_dir='images', init_bare=str(bare))
    assert again['created_bare'] is None and not again['pushed'] and again['commit'] == first['commit']


def test_publish_init_bare_refusals(tmp_path):
    sources = [{'name': 'hello', 'image': 'debian:bookworm', 'permissions': {}}]
    with pytest.raises(SubuserError, match="publish init_bare: expected an absolute path, got 'rel.git'"):
        publish(str(tmp_path / 'x.git'), sources, init_bare='rel.git')
    occupied = tmp_path / 'file.git'
    occupied.write_text('not a directory')
    with pytest.raises(CasaError, match='publish init_bare: cannot create a bare repository at %s' % occupied):
        publish(str(occupied), sources, init_bare=str(occupied))
    with pytest.raises(CasaError, match='publish init_bare branch: .* is not a valid git branch name'):
        publish(str(tmp_path / 'y.git'), sources, branch='-bad', init_bare=str(tmp_path / 'y.git'))
    assert not (tmp_path / 'y.git').exists()


def test_publish_refusals_before_any_clone(tmp_path):
    with pytest.raises(SubuserError, match='sources is empty'):
        publish(str(tmp_path / 'none.git'), [])
    twice = [{'name': 'a', 'image': 'x', 'permissions': {}}] * 2
    with pytest.raises(SubuserError, match='listed twice'):
        publish(str(tmp_path / 'none.git'), twice)


def test_publish_to_missing_repository_is_clean(tmp_path):
    with pytest.raises(SubuserError, match='Cannot clone .* to publish into it'):
        publish(str(tmp_path / 'none.git'), [{'name': 'a', 'image': 'x', 'permissions': {}}])


SOURCE = {'name': 'hello', 'image': 'debian:bookworm', 'permissions': {'description': 'hi'}}


@pytest.mark.parametrize('options, message', [
    ({'image_sources_dir': '.git'}, r'publish image_sources_dir: "\.git" is inside \.git'),
    ({'image_sources_dir': 'x/../.git/hooks'}, r'is inside \.git'),
    ({'image_sources_dir': '../elsewhere'}, 'leaves the repository'),
    ({'image_sources_dir': '/tmp'}, 'absolute path'),
])
def test_publish_paths_into_git_or_out_are_refused(tmp_path, git, options, message):
    """Security (issue 9, item 4): image_sources_dir=.git committed and pushed a repository."""
    dest = tmp_path / 'dest.git'
    git(tmp_path, 'init', '-q', '--bare', '-b', 'master', str(dest))
    with pytest.raises(UnsafePathError, match=message):
        publish(str(dest), [SOURCE], **options)
    assert git(tmp_path, '--git-dir', str(dest), 'for-each-ref') == ''


@pytest.mark.parametrize('source, message', [
    (dict(SOURCE, name='.git'), 'invalid image source name ".git"'),
    (dict(SOURCE, name='.GIT'), 'invalid image source name ".GIT"'),
    (dict(SOURCE, files={'.git/config': 'x'}), r'files: "\.git/config" is inside \.git'),
    (dict(SOURCE, files={'sub/../../../x': 'x'}), 'leaves the repository'),
])
def test_publish_source_names_and_files_into_git_are_refused(tmp_path, source, message):
    with pytest.raises(SubuserError, match=message):
        publish(str(tmp_path / 'none.git'), [source])


def _dest_with(tmp_path, git, write, files, links=()):
    work = tmp_path / 'work'
    git(tmp_path, 'init', '-q', '-b', 'master', str(work))
    for relpath, content in files.items():
        write(work, relpath, content)
    for name, target in links:
        os.symlink(target, str(work / name))
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', 'start')
    dest = tmp_path / 'dest.git'
    git(tmp_path, 'clone', '-q', '--bare', str(work), str(dest))
    return dest, git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master')


def test_publish_refuses_to_write_through_a_committed_symlink(tmp_path, git, write):
    outside = tmp_path / 'outside'
    outside.mkdir()
    dest, head = _dest_with(tmp_path, git, write, {'README': 'x'}, [('sources', str(outside))])
    with pytest.raises(UnsafePathError, match='sources is a symlink .* refusing to write through it'):
        publish(str(dest), [SOURCE], image_sources_dir='sources')
    assert os.listdir(str(outside)) == []
    assert git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master') == head


def test_publish_refuses_a_symlinked_subuser_json(tmp_path, git, write):
    write(tmp_path / 'outside', 'config.json', {})
    dest, head = _dest_with(tmp_path, git, write, {'README': 'x'},
                            [('.subuser.json', str(tmp_path / 'outside' / 'config.json'))])
    with pytest.raises(UnsafePathError, match=r'\.subuser\.json is a symlink'):
        publish(str(dest), [SOURCE], version_constraints=[['>=', '0.6', 'master']])
    assert git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master') == head


@pytest.mark.parametrize('config, message', [
    ({'image-sources-dir': 5}, r'dest\.git@master:\.subuser\.json: image-sources-dir: expected a string'),
    ({'subuser-version-constraints': {'a': 1}}, r'subuser-version-constraints: expected a list'),
    ([1], r'\.subuser\.json: expected a JSON object, got a list'),
])
def test_publish_checks_the_existing_subuser_json(tmp_path, git, write, config, message):
    dest, head = _dest_with(tmp_path, git, write, {'.subuser.json': config})
    with pytest.raises(SubuserError, match=message):
        publish(str(dest), [SOURCE])
    assert git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master') == head
