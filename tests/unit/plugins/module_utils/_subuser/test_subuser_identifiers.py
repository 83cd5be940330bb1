# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import normalize_url, parse_identifier, unique_slug
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


@pytest.mark.parametrize('text,name,repo,kind', [
    ('vim', 'vim', None, 'context'),
    ('vim@default', 'vim', 'default', 'named'),
    ('vim@https://example.org/r.git', 'vim', 'https://example.org/r.git', 'git'),
    ('vim@http://example.org/r@x.git', 'vim', 'http://example.org/r@x.git', 'git'),
    ('lib debian@default', 'lib debian', 'default', 'named'),
])
def test_identifiers_allowed_in_image_files(text, name, repo, kind):
    identifier = parse_identifier(text, in_image_file=True)
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
    with pytest.raises(SubuserError, match=message):
        parse_identifier(text, in_image_file=True)


def test_cli_identifiers_allow_local_and_names():
    assert parse_identifier('vim@./').kind == 'local'
    assert parse_identifier('vim@/srv/repo/').kind == 'local'
    assert parse_identifier('vim@file:///srv/repo.git').kind == 'git'
    assert parse_identifier('vim@myrepo').kind == 'named'


def test_normalize_url():
    assert normalize_url('https://x.org/r.git/') == normalize_url('https://x.org/r.git')
    assert normalize_url('/srv/repo/') == '/srv/repo'


@pytest.mark.parametrize('name', ['vim', 'casa-run', 'a.b', 'x_y', 'Image Source', '\u20ac', 'a..b', '-a-'])
def test_image_names_are_valid_docker_components(name):
    from ansible_collections.casa.distro.plugins.module_utils._image_reference import REPOSITORY_RE
    component = unique_slug(name)
    assert REPOSITORY_RE.match('casa-subuser/%s/%s' % (component, component)), component


def test_unique_slugs_do_not_collide():
    names = ['a b', 'a-b', 'A-B', '\u20ac', '\u017e', 'a..b', 'a.b']
    assert len({unique_slug(n) for n in names}) == len(names)
    assert unique_slug('casa-run') == 'casa-run'


# ---------------------------------------------------------------------------- property-based
PARTS = st.sampled_from(['vim', 'lib debian', '€', '', ' ', '@', 'default', 'https://h/r.git', 'http://h/r@x', 'file:///srv/r',
                         '/srv/r', './', 'ssh://h/r', 'git@h:r.git', 'a:b', 'a/b', '\t', '\x00'])
IDENTIFIERS = st.one_of(st.lists(st.one_of(PARTS, st.text(max_size=6)), max_size=4).map(''.join),
                        st.text(max_size=40), st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2)))


@fuzz_settings
@given(IDENTIFIERS, st.booleans())
def test_identifiers_parse_or_name_where(text, in_image_file):
    where = 'repo/vim/image/SubuserImagefile:3'
    identifier = check_parser('subuser image source identifier',
                              lambda: parse_identifier(text, in_image_file=in_image_file, where=where), where)
    if identifier is not None:
        assert identifier.name and '@' not in identifier.name
        assert identifier.kind in ('context', 'named', 'git', 'local')
