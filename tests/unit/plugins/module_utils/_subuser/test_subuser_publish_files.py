# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.publish_files import publish_files


def test_publish_files_content():
    name, files, report = publish_files({
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
    with pytest.raises(SubuserError, match=message):
        publish_files(spec, 'sources[0]')
