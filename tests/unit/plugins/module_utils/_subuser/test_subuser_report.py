# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import RepositorySet
from ansible_collections.casa.distro.plugins.module_utils._subuser.report import inspect
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_local


def test_bad_permissions_json_reported_per_source(tmp_path, write, source):
    source(tmp_path, 'good')
    write(tmp_path, 'bad/permissions.json', '{"x11": true,\n "gui": }')
    write(tmp_path, 'bad/image/Dockerfile', 'FROM debian\n')
    source(tmp_path, 'typed', permissions={'x11': 1})
    repository = open_local(str(tmp_path))
    report = inspect(RepositorySet(), repository)
    by_name = {s['name']: s for s in report['sources']}
    assert by_name['good']['valid']
    assert by_name['good']['permission_level'] == 'conservative'
    assert not by_name['bad']['valid']
    assert 'bad/permissions.json:2:9: invalid JSON' in by_name['bad']['errors'][0]
    assert '"x11" is 1; expected bool' in by_name['typed']['errors'][0]
    assert report['invalid'] == sorted([by_name['bad']['identifier'], by_name['typed']['identifier']])


def test_unknown_selected_source(tmp_path, source):
    source(tmp_path, 'a')
    repository = open_local(str(tmp_path))
    with pytest.raises(SubuserError, match='No image source zz'):
        inspect(RepositorySet(), repository, ['zz'])
