# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions file of casa-distro v2: components and projects left out of the release."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.yaml_files import load_yaml_file

_ALIASES = {'component': 'component', 'components': 'component', 'project': 'project', 'projects': 'project'}


class Decisions:
    """The decisions file: ``ignore: {component: [..], project: [..]}`` (v2 format)."""

    def __init__(self, components=(), projects=()):
        self.components = set(components)
        self.projects = set(projects)

    def ignores(self, component):
        return component.name in self.components or component.project in self.projects


def _ignore_mapping(data, path):
    if not isinstance(data, dict):
        raise ReleasePlanError('%s: expected a mapping with an ignore key' % path, file=path)
    unknown = sorted(set(data) - {'ignore'})
    if unknown:
        raise ReleasePlanError('%s: unknown key(s) %s; valid: ignore' % (path, ', '.join(unknown)), file=path)
    ignore = data.get('ignore') or {}
    if not isinstance(ignore, dict):
        raise ReleasePlanError('%s: ignore must be a mapping with component and project lists' % path, file=path)
    return ignore


def parse_decisions(data, path='decisions file'):
    if data is None:
        return Decisions()
    found = {'component': [], 'project': []}
    for key, value in _ignore_mapping(data, path).items():
        if key not in _ALIASES:
            raise ReleasePlanError('%s: ignore: unknown key %s; valid: component, project' % (path, key), file=path)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ReleasePlanError('%s: ignore.%s must be a list of names, got %r' % (path, key, value), file=path)
        found[_ALIASES[key]].extend(value)
    return Decisions(found['component'], found['project'])


def load_decisions(path):
    if not path:
        return Decisions()
    return parse_decisions(load_yaml_file(path, 'decisions file'), path)
