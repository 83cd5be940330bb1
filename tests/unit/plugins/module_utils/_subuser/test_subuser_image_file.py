# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._files import decode_text
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import parse_identifier
from ansible_collections.casa.distro.plugins.module_utils._subuser.image_file import parse_image_file, render_image_file, subuser_like_from_lines
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


@pytest.mark.parametrize('text', [
    'FROM-SUBUSER-IMAGE libx@default\nRUN true\n',
    'FROM-SUBUSER-IMAGE   libx@default\n',
    'FROM-SUBUSER-IMAGE\tlibx@default\r\nRUN true\r\n',
    '# comment\n  from-subuser-image libx@default  \n',
    '\ufeffFROM-SUBUSER-IMAGE libx@default\n',
])
def test_from_subuser_image_tolerant(text):
    argument, line = parse_image_file(text, 'SubuserImagefile')
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
    with pytest.raises(SubuserError, match=message):
        parse_image_file(text, 'x/SubuserImagefile')


def test_error_names_file_and_line():
    with pytest.raises(SubuserError, match=r'^x/SubuserImagefile:3: '):
        parse_image_file('# a\nRUN true\nFROM-SUBUSER-IMAGE\n', 'x/SubuserImagefile')


def test_no_directive():
    assert parse_image_file('FROM debian\n', 'f') == (None, None)


def test_render_replaces_directive_with_parent_id():
    text = 'ARG X=1\r\nFROM-SUBUSER-IMAGE  lib\r\nRUN echo $X\r\n'
    assert render_image_file(text, 'sha256:abc') == 'ARG X=1\nFROM sha256:abc\nRUN echo $X\n'


# ---------------------------------------------------------------------------- property-based
LINES = st.one_of(
    st.sampled_from(['FROM-SUBUSER-IMAGE libx11@default', 'FROM-SUBUSER-IMAGE\tlibx11', 'FROM-SUBUSER-IMAGE ',
                     'FROM-SUBUSER-IMAGE', 'from-subuser-image a b', 'FROM-SUBUSER-IMAGEx', 'FROM-SUBUSER-IMAGE x@/srv',
                     'FROM-SUBUSER-IMAGE x@ssh://h/r', 'FROM-SUBUSER-IMAGE x@https://h/r.git', 'FROM-SUBUSER-IMAGE @',
                     'FROM libx11@default', 'FROM debian@sha256:' + 'a' * 64, 'FROM --platform=x a@b AS c', 'RUN true',
                     '# comment', '', '\ufeff']),
    st.text(max_size=30))
TEXTS = st.tuples(st.lists(LINES, max_size=6), st.sampled_from(['\n', '\r\n', '\r'])).map(
    lambda parts: parts[1].join(parts[0]).encode('utf-8', 'surrogatepass'))


def _read_image_file(data, where):
    text = decode_text(data, where)
    argument, line = parse_image_file(text, where)
    subuser_like_from_lines(text)
    if argument is not None:
        parse_identifier(argument, in_image_file=True, where='%s:%d' % (where, line))
    return argument


@fuzz_settings
@given(st.one_of(TEXTS, st.binary(max_size=80)))
def test_subuser_imagefile_parses_or_names_the_file(data):
    where = 'repo/vim/image/SubuserImagefile'
    check_parser('SubuserImagefile', lambda: _read_image_file(data, where), where)


def test_docker_from_lines():
    text = 'FROM libx11@default\nFROM a@sha256:%s\nFROM $BASE@x\nFROM-SUBUSER-IMAGE y@default\n  from b@c AS d\n' % ('0' * 64)
    assert subuser_like_from_lines(text) == [(1, 'libx11@default'), (5, 'b@c')]
