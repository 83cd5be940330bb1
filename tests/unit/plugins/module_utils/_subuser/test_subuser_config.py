# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.config import load_json
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_local


def test_bad_json_position():
    with pytest.raises(SubuserError) as info:
        load_json(b'{\n  "a": 1,\n  "b": }\n', 'repo/.subuser.json')
    assert info.value.msg.startswith('repo/.subuser.json:3:')
    assert info.value.details['line'] == 3


def test_broken_subuser_json_fails_with_position(tmp_path, write):
    write(tmp_path, '.subuser.json', '{"image-sources-dir": "images",,}')
    with pytest.raises(SubuserError, match=r'\.subuser\.json:1:32: invalid JSON'):
        open_local(str(tmp_path))


@pytest.mark.parametrize('config,message', [
    ({'image-sources-dir': '../outside'}, 'leaves the repository'),
    ({'image-sources-dir': '/etc'}, 'absolute path'),
    ({'image-sources-dir': 3}, 'must be a string'),
    ({'explicit-image-sources': []}, 'must be an object'),
    ([], 'must be a JSON object'),
    ({'subuser-version-constraints': [['>', '1']]}, 'constraints'),
])
def test_bad_subuser_json(tmp_path, config, message, write):
    write(tmp_path, '.subuser.json', config)
    with pytest.raises(SubuserError, match=message):
        open_local(str(tmp_path))
