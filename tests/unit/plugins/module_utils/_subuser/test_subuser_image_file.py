# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.image_file import parse_image_file, render_image_file


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
