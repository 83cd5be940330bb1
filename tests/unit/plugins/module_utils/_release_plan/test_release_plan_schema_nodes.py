# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The schema nodes of the release plan files: optional values, versions, ref names, commits."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _schema as schema
from ansible_collections.casa.distro.plugins.module_utils._release_plan.schema_nodes import COMMIT, Nullable, RefName, VersionText

RECORD = schema.Record({'branch': Nullable(schema.Record({'name': RefName()})), 'version': Nullable(VersionText()),
                        'tag': Nullable(RefName('tag')), 'commit': Nullable(COMMIT)})


def test_absent_and_null_values_pass():
    assert schema.check(RECORD, {'branch': None, 'version': '1.2.3'}, 'f.yml') == {'branch': None, 'version': '1.2.3', 'tag': None, 'commit': None}


@pytest.mark.parametrize('value, message', [
    ({'branch': {'name': 5}}, 'branch.name: expected a git branch name, got an integer 5'),  # Nullable keeps the inner message
    ({'branch': {'name': 'a', 'x': 1}}, 'branch.x: unknown key; valid keys: name'),
    ({'version': 1.10}, "version: expected a quoted string, got a number 1.1 (write it as '1.1')"),
    ({'version': 'x.y'}, "version: 'x.y' is not a version number (expected digits separated by dots, like 1.2.3)"),
    ({'version': '1.' + '9' * 5000}, 'is not a version number (a part has more than 18 digits)'),
    ({'version': [1]}, 'version: expected a version as a quoted string, got a list [1]'),
    ({'tag': '--delete'}, "tag: expected a git tag name, got '--delete' (it starts with \"-\")"),
    ({'tag': 'a b'}, "tag: expected a git tag name, got 'a b'"),
    ({'commit': 'HEAD'}, "commit: expected a full commit id (40 hexadecimal digits), got 'HEAD'"),
])
def test_errors_name_the_key_and_value(value, message):
    with pytest.raises(schema.SchemaError) as caught:
        schema.check(RECORD, value, 'f.yml')
    assert str(caught.value).startswith('f.yml: ') and message in str(caught.value)
    assert len(str(caught.value)) < 300
