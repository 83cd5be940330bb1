# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import subprocess

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _subuser as su


# ---------------------------------------------------------------------------- helpers

def write(root, relpath, text):
    path = os.path.join(str(root), relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text if isinstance(text, str) else json.dumps(text))
    return path


def source(root, name, image_file='Dockerfile', text='FROM debian\n', permissions=None, image_dir='image'):
    write(root, '%s/permissions.json' % name, permissions if permissions is not None else {'description': name})
    write(root, '%s/%s/%s' % (name, image_dir, image_file), text)


# ---------------------------------------------------------------------------- versions

@pytest.mark.parametrize('left,op,right,expected', [
    ('0.10', '>', '0.6', True),       # string comparison would say False
    ('0.6.2', '>=', '0.6', True),
    ('0.6', '==', '0.6.0', True),
    ('0.6.2', '<', '0.6.10', True),
    ('0.5', '<', '0.6', True),
    ('0.7rc1', '<', '0.7', True),
    ('0.7-dev', '<', '0.7', True),
    ('1.0', '<=', '0.9.9', False),
    ('0.6.2-dev-abc123', '<', '0.6.2', True),
    ('0.6.2+local', '==', '0.6.2', True),
])
def test_compare_versions(left, op, right, expected):
    assert su.compare_versions(left, op, right) is expected


def test_bad_version_and_operator():
    with pytest.raises(su.SubuserError, match='not a version'):
        su.parse_version('latest')
    with pytest.raises(su.SubuserError, match='not a valid operator'):
        su.compare_versions('1', '~=', '1')


CONSTRAINTS = [['>=', '0.7', 'latest'], ['>=', '0.6', 'subuser-0.6'], ['<', '0.6', 'a' * 40]]


@pytest.mark.parametrize('version,ref,index', [
    ('0.10', 'latest', 0), ('0.7', 'latest', 0), ('0.6.2', 'subuser-0.6', 1), ('0.5', 'a' * 40, 2),
])
def test_first_matching_constraint_wins(version, ref, index):
    assert su.select_constraint(CONSTRAINTS, version, 'x')[:2] == (ref, index)


def test_no_constraint_matches_is_an_error():
    with pytest.raises(su.SubuserError, match=r'no subuser-version-constraints entry matches subuser version 0\.5'):
        su.select_constraint([['>', '0.6', 'x']], '0.5', '.subuser.json')


@pytest.mark.parametrize('constraints,message', [
    ({'>': 1}, 'must be a list'),
    ([['>', '0.6']], r'constraints\[0\]'),
    ([['>', '0.6', 'b'], ['=>', '0.5', 'c']], r'\[1\]: "=>" is not a valid operator'),
    ([['>', 'abc', 'b']], 'not a version'),
    ([['>', '0.6', ' ']], 'empty ref'),
])
def test_constraint_shape_errors(constraints, message):
    with pytest.raises(su.SubuserError, match=message):
        su.validate_constraints(constraints, '.subuser.json')


# ---------------------------------------------------------------------------- identifiers

@pytest.mark.parametrize('text,name,repo,kind', [
    ('vim', 'vim', None, 'context'),
    ('vim@default', 'vim', 'default', 'named'),
    ('vim@https://example.org/r.git', 'vim', 'https://example.org/r.git', 'git'),
    ('vim@http://example.org/r@x.git', 'vim', 'http://example.org/r@x.git', 'git'),
    ('lib debian@default', 'lib debian', 'default', 'named'),
])
def test_identifiers_allowed_in_image_files(text, name, repo, kind):
    identifier = su.parse_identifier(text, in_image_file=True)
    assert (identifier.name, identifier.repository, identifier.kind) == (name, repo, kind)


@pytest.mark.parametrize('text,message', [
    ('vim@./', 'local repositories is forbidden'),
    ('vim@/srv/repo', 'local repositories is forbidden'),
    ('vim@file:///srv/repo.git', 'local repositories is forbidden'),
    ('vim@myrepo', 'by name is forbidden'),
    ('vim@git@github.com:x/y.git', 'cannot resolve repository'),
    ('vim@ssh://host/x.git', 'cannot resolve repository'),
    ('@default', 'no image source name'),
    ('vim@', 'no repository after'),
    ('  ', 'empty image source identifier'),
])
def test_identifiers_refused_in_image_files(text, message):
    with pytest.raises(su.SubuserError, match=message):
        su.parse_identifier(text, in_image_file=True)


def test_cli_identifiers_allow_local_and_names():
    assert su.parse_identifier('vim@./').kind == 'local'
    assert su.parse_identifier('vim@/srv/repo/').kind == 'local'
    assert su.parse_identifier('vim@file:///srv/repo.git').kind == 'git'
    assert su.parse_identifier('vim@myrepo').kind == 'named'


def test_normalize_url():
    assert su.normalize_url('https://x.org/r.git/') == su.normalize_url('https://x.org/r.git')
    assert su.normalize_url('/srv/repo/') == '/srv/repo'


# ---------------------------------------------------------------------------- image files

@pytest.mark.parametrize('text', [
    'FROM-SUBUSER-IMAGE libx@default\nRUN true\n',
    'FROM-SUBUSER-IMAGE   libx@default\n',
    'FROM-SUBUSER-IMAGE\tlibx@default\r\nRUN true\r\n',
    '# comment\n  from-subuser-image libx@default  \n',
    '\ufeffFROM-SUBUSER-IMAGE libx@default\n',
])
def test_from_subuser_image_tolerant(text):
    argument, line = su.parse_image_file(text, 'SubuserImagefile')
    assert argument == 'libx@default'
    assert line in (1, 2)


@pytest.mark.parametrize('text,message', [
    ('FROM-SUBUSER-IMAGE\n', 'needs an image source identifier'),
    ('FROM-SUBUSER-IMAGE   \r\n', 'needs an image source identifier'),
    ('FROM-SUBUSER-IMAGEx\n', 'cannot parse'),
    ('FROM-SUBUSER-IMAGE a b\n', 'takes one identifier'),
    ('FROM-SUBUSER-IMAGE a\nFROM-SUBUSER-IMAGE b\n', 'second FROM-SUBUSER-IMAGE'),
])
def test_from_subuser_image_errors(text, message):
    with pytest.raises(su.SubuserError, match=message):
        su.parse_image_file(text, 'x/SubuserImagefile')


def test_error_names_file_and_line():
    with pytest.raises(su.SubuserError, match=r'^x/SubuserImagefile:3: '):
        su.parse_image_file('# a\nRUN true\nFROM-SUBUSER-IMAGE\n', 'x/SubuserImagefile')


def test_no_directive():
    assert su.parse_image_file('FROM debian\n', 'f') == (None, None)


def test_render_replaces_directive_with_parent_id():
    text = 'ARG X=1\r\nFROM-SUBUSER-IMAGE  lib\r\nRUN echo $X\r\n'
    assert su.render_image_file(text, 'sha256:abc') == 'ARG X=1\nFROM sha256:abc\nRUN echo $X\n'


# ---------------------------------------------------------------------------- JSON and paths

def test_bad_json_position():
    with pytest.raises(su.SubuserError) as info:
        su.load_json(b'{\n  "a": 1,\n  "b": }\n', 'repo/.subuser.json')
    assert info.value.msg.startswith('repo/.subuser.json:3:')
    assert info.value.details['line'] == 3


@pytest.mark.parametrize('path', ['../x', 'a/../../x', '/etc/passwd', '..'])
def test_paths_leaving_the_repository(path):
    with pytest.raises(su.SubuserError, match='absolute|leaves the repository'):
        su.check_relative_path(path, 'image-sources-dir')


def test_relative_paths_normalised():
    assert su.check_relative_path('./images/', 'x') == 'images'
    assert su.check_relative_path('.', 'x') == ''
    assert su.check_relative_path('a/../b', 'x') == 'b'


# ---------------------------------------------------------------------------- local repositories

def test_discovery_is_a_real_path_check(tmp_path):
    source(tmp_path, 'vim')
    write(tmp_path, 'docs/README', 'not a source')  # no permissions.json: not a source
    write(tmp_path, 'independent-tool/permissions.json', {})  # "dependent" is no trap here
    write(tmp_path, 'independent-tool/image/SubuserImagefile', 'FROM debian\n')
    write(tmp_path, 'deep/nested/permissions.json', {})  # not an immediate sub-directory
    repository = su.open_local(str(tmp_path))
    assert sorted(repository.sources) == ['independent-tool', 'vim']
    assert repository.sources['vim'].image_file == 'vim/image/Dockerfile'
    assert repository.sources['vim'].valid


def test_dockerfile_wins_and_deprecated_dir(tmp_path):
    source(tmp_path, 'a', image_dir='docker-image')
    write(tmp_path, 'a/docker-image/SubuserImagefile', 'FROM-SUBUSER-IMAGE b\n')
    repository = su.open_local(str(tmp_path))
    a = repository.sources['a']
    assert a.image_file == 'a/docker-image/Dockerfile'
    assert a.deprecated_image_dir
    assert any('deprecated' in w for w in a.warnings)
    assert a.parent_identifier is None


def test_missing_image_dir_and_image_file(tmp_path):
    write(tmp_path, 'a/permissions.json', {})
    write(tmp_path, 'b/permissions.json', {})
    write(tmp_path, 'b/image/README', '')
    repository = su.open_local(str(tmp_path))
    assert 'no image/ directory' in repository.sources['a'].errors[0]
    assert 'neither Dockerfile nor SubuserImagefile' in repository.sources['b'].errors[0]


def test_bad_permissions_json_reported_per_source(tmp_path):
    source(tmp_path, 'good')
    write(tmp_path, 'bad/permissions.json', '{"x11": true,\n "gui": }')
    write(tmp_path, 'bad/image/Dockerfile', 'FROM debian\n')
    source(tmp_path, 'typed', permissions={'x11': 1})
    repository = su.open_local(str(tmp_path))
    report = su.inspect(su.RepositorySet(), repository)
    by_name = {s['name']: s for s in report['sources']}
    assert by_name['good']['valid']
    assert by_name['good']['permission_level'] == 'conservative'
    assert not by_name['bad']['valid']
    assert 'bad/permissions.json:2:9: invalid JSON' in by_name['bad']['errors'][0]
    assert '"x11" is 1; expected bool' in by_name['typed']['errors'][0]
    assert report['invalid'] == sorted([by_name['bad']['identifier'], by_name['typed']['identifier']])


def test_broken_subuser_json_fails_with_position(tmp_path):
    write(tmp_path, '.subuser.json', '{"image-sources-dir": "images",,}')
    with pytest.raises(su.SubuserError, match=r'\.subuser\.json:1:32: invalid JSON'):
        su.open_local(str(tmp_path))


def test_image_sources_dir_and_explicit_override(tmp_path):
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
    repository = su.open_local(str(tmp_path))
    vim = repository.sources['vim']
    assert vim.explicit and vim.build_context == '' and vim.permissions.level == 'moderate'
    assert any('overrides' in w for w in repository.warnings)
    order, _lineage = su.lineages(su.RepositorySet(), [vim])
    assert [s.name for s in order] == ['emacs', 'vim']


@pytest.mark.parametrize('config,message', [
    ({'image-sources-dir': '../outside'}, 'leaves the repository'),
    ({'image-sources-dir': '/etc'}, 'absolute path'),
    ({'image-sources-dir': 3}, 'must be a string'),
    ({'explicit-image-sources': []}, 'must be an object'),
    ([], 'must be a JSON object'),
    ({'subuser-version-constraints': [['>', '1']]}, 'constraints'),
])
def test_bad_subuser_json(tmp_path, config, message):
    write(tmp_path, '.subuser.json', config)
    with pytest.raises(su.SubuserError, match=message):
        su.open_local(str(tmp_path))


def test_explicit_paths_leaving_repository_refused(tmp_path):
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
    repository = su.open_local(str(inside))
    errors = {name: ' '.join(s.errors) for name, s in repository.sources.items()}
    assert 'leaves the repository' in errors['a']
    assert 'symlink pointing outside' in errors['b']
    assert 'lacks permissions-file' in errors['c']
    assert 'must be named Dockerfile or SubuserImagefile' in errors['d']


def test_symlinked_source_dir_outside_is_not_discovered(tmp_path):
    source(tmp_path / 'outside', 'evil')
    repo = tmp_path / 'repo'
    source(repo, 'fine')
    os.symlink(str(tmp_path / 'outside' / 'evil'), str(repo / 'evil'))
    repository = su.open_local(str(repo))
    assert sorted(repository.sources) == ['fine']
    assert any('outside' in w for w in repository.warnings)


# ---------------------------------------------------------------------------- graph

def test_dependency_graph_across_repositories(tmp_path):
    base = tmp_path / 'base'
    main = tmp_path / 'main'
    source(base, 'libdebian')
    source(base, 'libpython', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libdebian\nRUN true\n')
    source(main, 'tool', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libpython@https://example.org/base.git\n')
    source(main, 'app', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE  tool\r\n')
    source(main, 'other', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE libdebian@default\n')
    repository_set = su.RepositorySet(mappings={'https://example.org/base.git/': str(base),
                                                'default': str(base)})
    repository = repository_set.add(su.open_local(str(main)))
    report = su.inspect(repository_set, repository)
    order = [i.split('@')[0] for i in report['build_order']]
    assert order.index('libdebian') < order.index('libpython') < order.index('tool') < order.index('app')
    # the URL and default map to the same directory: one repository location, one source
    assert order.count('libdebian') == 1
    app = [s for s in report['sources'] if s['name'] == 'app'][0]
    assert [i.split('@')[0] for i in app['lineage']] == ['libdebian', 'libpython', 'tool']
    assert app['valid']
    assert report['invalid'] == []
    assert {d['name'] for d in report['dependencies']} == {'libdebian', 'libpython'}


def test_cycles_are_named(tmp_path):
    source(tmp_path, 'a', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE b\n')
    source(tmp_path, 'b', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE c\n')
    source(tmp_path, 'c', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE a\n')
    source(tmp_path, 'd', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE a\n')
    source(tmp_path, 'self', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE self\n')
    source(tmp_path, 'ok')
    repository_set = su.RepositorySet()
    repository = repository_set.add(su.open_local(str(tmp_path)))
    report = su.inspect(repository_set, repository)
    by_name = {s['name']: s for s in report['sources']}
    assert any('cycle' in e and ' -> ' in e for e in by_name['a']['errors'])
    cycle_text = [e for e in by_name['b']['errors'] if 'cycle' in e][0]
    for name in ('a@', 'b@', 'c@'):
        assert name in cycle_text
    assert any('ancestor' in e and 'cycle' in e for e in by_name['d']['errors'])
    assert any('self@' in e and 'cycle' in e for e in by_name['self']['errors'])
    assert [i.split('@')[0] for i in report['build_order']] == ['ok']


def test_missing_parent_and_forbidden_identifier(tmp_path):
    source(tmp_path, 'a', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE nothere\n')
    source(tmp_path, 'b', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE x@/srv/repo\n')
    source(tmp_path, 'c', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE a\n')
    source(tmp_path, 'd', 'Dockerfile', 'FROM-SUBUSER-IMAGE a\n')
    repository_set = su.RepositorySet()
    repository = repository_set.add(su.open_local(str(tmp_path)))
    report = su.inspect(repository_set, repository)
    by_name = {s['name']: s for s in report['sources']}
    assert 'no image source "nothere"' in by_name['a']['errors'][0]
    assert 'SubuserImagefile:1' in by_name['a']['errors'][0]
    assert 'local repositories is forbidden' in by_name['b']['errors'][0]
    assert by_name['c']['blocked_by'] == [by_name['a']['identifier']] and not by_name['c']['valid']
    assert 'only works in a SubuserImagefile' in by_name['d']['errors'][0]


def test_lineages_linear_for_long_chains(tmp_path):
    source(tmp_path, 's0')
    for index in range(1, 60):
        source(tmp_path, 's%d' % index, 'SubuserImagefile', 'FROM-SUBUSER-IMAGE s%d\n' % (index - 1))
    repository_set = su.RepositorySet()
    repository = repository_set.add(su.open_local(str(tmp_path)))
    order, lineage = su.lineages(repository_set, [repository.sources['s59'], repository.sources['s3']])
    assert [s.name for s in order] == ['s%d' % i for i in range(60)]
    assert len(lineage[repository.sources['s59'].key]) == 59


def test_unknown_selected_source(tmp_path):
    source(tmp_path, 'a')
    repository = su.open_local(str(tmp_path))
    with pytest.raises(su.SubuserError, match='No image source zz'):
        su.inspect(su.RepositorySet(), repository, ['zz'])


# ---------------------------------------------------------------------------- git repositories

def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.org',
               GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@example.org')
    return subprocess.run(['git'] + list(args), cwd=str(cwd), env=env, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout.strip()


@pytest.fixture
def git_repo(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    git(work, 'init', '-q', '-b', 'trunk')
    source(work, 'bip')
    write(work, '.subuser.json', {'subuser-version-constraints': [
        ['>=', '0.10', 'trunk'], ['>=', '0.6', 'subuser-0.6'], ['<', '0.6', 'old']]})
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', 'trunk')
    git(work, 'checkout', '-q', '-b', 'subuser-0.6')
    git(work, 'mv', 'bip', 'bop')
    write(work, '.subuser.json', {'image-sources-dir': '.'})
    os.symlink('bop/permissions.json', str(work / 'escape-free-link'))
    git(work, 'add', '-A')
    git(work, 'commit', '-q', '-m', '0.6')
    git(work, 'tag', 'v0.6')
    git(work, 'checkout', '-q', 'trunk')
    git(work, 'checkout', '-q', '-b', 'old')
    git(work, 'mv', 'bip', 'bap')
    git(work, 'commit', '-q', '-m', 'old')
    git(work, 'checkout', '-q', 'trunk')
    write(work, 'bip/image/uncommitted', 'not in git')
    return work


@pytest.mark.parametrize('version,expected,ref', [
    ('0.6.2', 'bop', 'refs/heads/subuser-0.6'),
    ('0.10', 'bip', 'refs/heads/trunk'),   # numeric: 0.10 is newer than 0.6
    ('0.5', 'bap', 'refs/heads/old'),
])
def test_git_constraints_from_default_branch(git_repo, tmp_path, version, expected, ref):
    repository = su.open_git('file://%s' % git_repo, str(tmp_path / 'cache'), subuser_version=version)
    assert repository.default_branch == 'trunk'   # found, not assumed master
    assert list(repository.sources) == [expected]
    assert repository.ref == ref
    if version == '0.6.2':
        assert repository.constraint['index'] == 1 and repository.constraint['read_at'] == 'trunk'
        assert repository.config == {'image-sources-dir': '.'}  # re-read at the selected ref


def test_git_pinned_tag_and_commit(git_repo, tmp_path):
    cache = str(tmp_path / 'cache')
    by_tag = su.open_git('file://%s' % git_repo, cache, version='v0.6')
    assert list(by_tag.sources) == ['bop'] and by_tag.ref == 'refs/tags/v0.6'
    commit = git(git_repo, 'rev-parse', 'old')
    by_commit = su.open_git('file://%s' % git_repo, cache, version=commit[:10], update=False)
    assert list(by_commit.sources) == ['bap'] and by_commit.commit.hexsha == commit
    with pytest.raises(su.SubuserError, match='not a branch, tag or commit'):
        su.open_git('file://%s' % git_repo, cache, version='nope', update=False)


def test_git_reads_objects_not_worktree(git_repo, tmp_path):
    repository = su.open_git('file://%s' % git_repo, str(tmp_path / 'cache'), subuser_version='')
    entries = repository.tree.files('bip/image')
    assert [e.relpath for e in entries] == ['Dockerfile']
    local = su.open_local(str(git_repo))
    local_entries = [e for e in local.tree.files('bip/image') if e.relpath == 'Dockerfile']
    # the same content hashes alike whether read from git or from disk
    assert su.context_hash(entries) == su.context_hash(local_entries)


def test_git_symlinks(git_repo, tmp_path):
    repository = su.open_git('file://%s' % git_repo, str(tmp_path / 'cache'), version='subuser-0.6')
    assert repository.tree.isfile('escape-free-link')
    assert b'"description"' in repository.tree.read('escape-free-link')
    work = git_repo
    git(work, 'checkout', '-q', 'subuser-0.6')
    os.symlink('../../etc', str(work / 'out'))
    git(work, 'add', 'out')
    git(work, 'commit', '-q', '-m', 'escape')
    repository = su.open_git('file://%s' % git_repo, str(tmp_path / 'cache'), version='subuser-0.6')
    with pytest.raises(su.SubuserError, match='symlink pointing outside'):
        repository.tree.read('out/passwd')


def test_git_fetch_failure_is_clean(tmp_path):
    with pytest.raises(su.SubuserError, match='Cannot fetch git repository'):
        su.open_git('file://%s/nothing' % tmp_path, str(tmp_path / 'cache'))


# ---------------------------------------------------------------------------- build decisions

class FakeClient:
    """Records builds; images are keyed by tag, IDs derived from the build count."""

    docker_host = 'fake'

    def __init__(self):
        self.images = {}
        self.builds = []

    def inspect_image(self, reference):
        return self.images.get(reference)

    def build(self, context_dir, tag, dockerfile='Dockerfile', labels=None, network_mode=None, nocache=False):
        with open(os.path.join(context_dir, dockerfile)) as handle:
            text = handle.read()
        files = sorted(os.listdir(context_dir))
        image_id = 'sha256:%064d' % (len(self.builds) + 1)
        self.builds.append({'tag': tag, 'dockerfile': text, 'files': files, 'nocache': nocache})
        self.images[tag] = {'Id': image_id, 'Config': {'Labels': dict(labels or {})}}
        return image_id, []


def build_all(root, client, check_mode=False, names=None, **options):
    repository_set = su.RepositorySet()
    repository = repository_set.add(su.open_local(str(root)))
    selected = [repository.sources[n] for n in (names or sorted(repository.sources))]
    order, lineage = su.lineages(repository_set, selected)
    builder = su.SubuserBuilder(client, check_mode=check_mode, **options)
    builder.build(order, lineage)
    return builder


def test_builder_rebuilds_only_on_change(tmp_path):
    source(tmp_path, 'base', text='FROM debian\n')
    source(tmp_path, 'mid', 'SubuserImagefile', '# note\nFROM-SUBUSER-IMAGE base\r\nCOPY f /f\r\n')
    write(tmp_path, 'mid/image/f', 'one')
    source(tmp_path, 'leaf', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE mid\nRUN true\n')
    source(tmp_path, 'alone')
    client = FakeClient()
    first = build_all(tmp_path, client, names=['leaf'], prefix='p/', tag='t')
    assert [r.source.name for r in first.results] == ['base', 'mid', 'leaf']
    assert [r.build_reason for r in first.results] == ['image not in the daemon'] * 3
    assert client.builds[1]['dockerfile'] == '# note\nFROM %s\nCOPY f /f\n' % first.results[0].image_id
    assert client.builds[1]['files'] == ['Dockerfile', 'SubuserImagefile', 'f']
    assert first.results[2].reference == 'p/%s/leaf:t' % su.unique_slug(os.path.basename(str(tmp_path)))
    labels = client.images[first.results[2].reference]['Config']['Labels']
    assert labels[su.LABEL_SOURCE] == 'leaf' and labels[su.LABEL_PARENT] == first.results[1].image_id
    assert labels[su.LABEL_COMMIT] == ''   # a directory has no commit

    second = build_all(tmp_path, client, names=['leaf'], prefix='p/', tag='t')
    assert not second.changed and len(client.builds) == 3
    assert [r.build_reason for r in second.results] == [None, None, None]
    assert second.results[0].as_dict()['status'].startswith('up to date')

    write(tmp_path, 'mid/image/f', 'two')
    predicted = build_all(tmp_path, client, check_mode=True, names=['leaf'], prefix='p/', tag='t')
    assert len(client.builds) == 3 and predicted.changed
    assert predicted.results[1].build_reason.startswith('build context changed')
    assert predicted.results[2].build_reason.startswith('parent mid@')
    assert 'would be rebuilt' in predicted.results[2].build_reason
    assert predicted.results[2].image_id == first.results[2].image_id
    assert predicted.results[2].as_dict()['status'] == 'would be built'

    third = build_all(tmp_path, client, names=['leaf'], prefix='p/', tag='t', nocache=True)
    assert [r.built for r in third.results] == [False, True, True]
    assert 'was rebuilt' in third.results[2].build_reason
    assert client.builds[-1]['nocache'] is True


def test_builder_honours_dockerignore(tmp_path):
    source(tmp_path, 'a', text='FROM debian\n')
    write(tmp_path, 'a/image/.dockerignore', '*.log\n')
    write(tmp_path, 'a/image/x.log', '1')
    client = FakeClient()
    build_all(tmp_path, client)
    write(tmp_path, 'a/image/x.log', '2')
    again = build_all(tmp_path, client)
    assert not again.changed and len(client.builds) == 1
    assert 'x.log' not in client.builds[0]['files']


def test_builder_refuses_invalid_sources(tmp_path):
    source(tmp_path, 'bad', permissions={'x11': True, 'gui': True})
    source(tmp_path, 'child', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE bad\n')
    with pytest.raises(su.SubuserError, match='Cannot build bad@.*mutually exclusive'):
        build_all(tmp_path, FakeClient(), names=['child'])


# ---------------------------------------------------------------------------- publishing

def test_publish_files_content():
    name, files, report = su.publish_files({
        'name': 'casa-run', 'image': 'registry.example.org/casa/run:5.3',
        'permissions': {'description': 'run', 'executable': '/bin/sh', 'webcam': True},
        'instructions': ['RUN true'], 'files': {'bin/tool': '#!/bin/sh\n'}}, 'sources[0]')
    assert name == 'casa-run' and report.level == 'moderate'
    assert sorted(files) == ['image/SubuserImagefile', 'image/bin/tool', 'permissions.json']
    text = files['image/SubuserImagefile'].decode()
    assert text.splitlines()[1:] == ['FROM registry.example.org/casa/run:5.3', 'RUN true']
    assert json.loads(files['permissions.json'].decode())['webcam'] is True


@pytest.mark.parametrize('spec,message', [
    ({'name': 'a@b', 'image': 'x', 'permissions': {}}, 'invalid image source name'),
    ({'name': 'a', 'permissions': {}}, 'exactly one of image'),
    ({'name': 'a', 'image': 'x', 'parent': 'y', 'permissions': {}}, 'exactly one of image'),
    ({'name': 'a', 'parent': 'y@/srv', 'permissions': {}}, 'local repositories is forbidden'),
    ({'name': 'a', 'image': 'x', 'permissions': {'user-dirs': ['/etc']}}, 'system-wide'),
    ({'name': 'a', 'image': 'x', 'permissions': {}, 'files': {'../x': ''}}, 'leaves the repository'),
    ({'name': 'a', 'image': 'x', 'permissions': {}, 'instructions': ['FROM-SUBUSER-IMAGE b']}, 'Dockerfile lines'),
])
def test_publish_files_refusals(spec, message):
    with pytest.raises(su.SubuserError, match=message):
        su.publish_files(spec, 'sources[0]')


def test_publish_is_idempotent(tmp_path):
    dest = tmp_path / 'dest.git'
    git(tmp_path, 'init', '-q', '--bare', '-b', 'main', str(dest))
    sources = [{'name': 'hello', 'image': 'debian:bookworm', 'permissions': {'description': 'hi'}},
               {'name': 'child', 'parent': 'hello', 'permissions': {'description': 'child'}}]
    first = su.publish(str(dest), sources, image_sources_dir='images',
                       version_constraints=[['>=', '0.6', 'master']])
    assert first['pushed'] and first['branch'] == 'master' and first['commit_before'] is None
    assert '.subuser.json' in first['changed_files']
    again = su.publish(str(dest), sources, image_sources_dir='images',
                       version_constraints=[['>=', '0.6', 'master']])
    assert not again['pushed'] and again['changed_files'] == [] and again['commit'] == first['commit']
    checked = su.publish(str(dest), sources[:1], image_sources_dir='images', prune=True, check_mode=True)
    assert not checked['pushed'] and checked['removed_sources'] == ['child']
    assert git(tmp_path, '--git-dir', str(dest), 'rev-parse', 'master') == first['commit']
    repository = su.open_git('file://%s' % dest, str(tmp_path / 'cache'), subuser_version='0.6.2')
    assert sorted(repository.sources) == ['child', 'hello']
    assert repository.sources['child'].parent_text == 'hello'


@pytest.mark.parametrize('name', ['vim', 'casa-run', 'a.b', 'x_y', 'Image Source', '\u20ac', 'a..b', '-a-'])
def test_image_names_are_valid_docker_components(name):
    from ansible_collections.casa.distro.plugins.module_utils._recipes import REPOSITORY_RE
    component = su.unique_slug(name)
    assert REPOSITORY_RE.match('casa-subuser/%s/%s' % (component, component)), component


def test_unique_slugs_do_not_collide():
    names = ['a b', 'a-b', 'A-B', '\u20ac', '\u017e', 'a..b', 'a.b']
    assert len({su.unique_slug(n) for n in names}) == len(names)
    assert su.unique_slug('casa-run') == 'casa-run'
