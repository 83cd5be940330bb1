# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions file of casa-distro v2: components and projects left out of the release."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils import _schema as schema
from ansible_collections.casa.distro.plugins.module_utils._files import read_yaml
from ansible_collections.casa.distro.plugins.module_utils._release_plan.schema_nodes import Nullable

_ALIASES = {'component': 'component', 'components': 'component', 'project': 'project', 'projects': 'project'}
_NAMES = schema.OneOf(schema.Str(empty=False), schema.ListOf(schema.Str(empty=False)), schema.Null())
# An empty file (null) ignores nothing.
SCHEMA = Nullable(schema.Record({
    'ignore': Nullable(schema.Record(dict((key, _NAMES) for key in _ALIASES), what='a mapping with component and project lists')),
}, what='a mapping with an ignore key'))


class Decisions:
    """The decisions file: ``ignore: {component: [..], project: [..]}`` (v2 format)."""

    def __init__(self, components=(), projects=()):
        self.components = set(components)
        self.projects = set(projects)

    def ignores(self, component):
        return component.name in self.components or component.project in self.projects


def parse_decisions(data, path='decisions file'):
    """The Decisions of the loaded decisions file, checked against SCHEMA."""
    checked = schema.check(SCHEMA, data, path)
    found = {'component': [], 'project': []}
    for key, value in ((checked or {}).get('ignore') or {}).items():
        if value is not None:
            found[_ALIASES[key]].extend([value] if isinstance(value, str) else value)
    return Decisions(found['component'], found['project'])


def load_decisions(path):
    if not path:
        return Decisions()
    return parse_decisions(read_yaml(path, 'decisions file'), path)
