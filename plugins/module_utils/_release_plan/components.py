# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The components file: the repositories of a distribution and their settings
(see docs/release_plans.md)."""

from __future__ import annotations

import fnmatch

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._git.arguments import validate_url
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import path_problem
from ansible_collections.casa.distro.plugins.module_utils._release_plan.yaml_files import load_yaml_file

DEFAULT_LATEST_RELEASE_BRANCH = 'latest_release'
DEFAULT_TAG_FORMAT = '{version}'
COMPONENT_KEYS = ('name', 'project', 'url', 'bug_fix_branch', 'latest_release_branch', 'version_file', 'tag_format')
DEFAULT_KEYS = ('project', 'bug_fix_branch', 'latest_release_branch', 'version_file', 'tag_format')


class Component:
    """One repository of the components file."""

    def __init__(self, name, url, project=None, bug_fix_branch=None, latest_release_branch=None,
                 version_file=None, tag_format=None):
        self.name = name
        self.url = url
        self.project = project or name
        self.bug_fix_branch = bug_fix_branch
        self.latest_release_branch = latest_release_branch or DEFAULT_LATEST_RELEASE_BRANCH
        self.version_file = version_file
        self.tag_format = tag_format or DEFAULT_TAG_FORMAT

    def tag_name(self, version):
        return self.tag_format.format(version=version)


def _fail(message, path):
    raise ReleasePlanError(message, file=path)


def _defaults(data, path):
    if not isinstance(data, dict) or 'components' not in data:
        _fail('%s: expected a mapping with a components key' % path, path)
    unknown = sorted(set(data) - {'components', 'defaults'})
    if unknown:
        _fail('%s: unknown top-level key(s) %s; valid: components, defaults' % (path, ', '.join(unknown)), path)
    defaults = data.get('defaults') or {}
    if not isinstance(defaults, dict):
        _fail('%s: defaults must be a mapping' % path, path)
    bad = sorted(set(defaults) - set(DEFAULT_KEYS))
    if bad:
        _fail('%s: defaults: unknown key(s) %s; valid: %s' % (path, ', '.join(bad), ', '.join(DEFAULT_KEYS)), path)
    return defaults


def _items(raw, path):
    """The component mappings of the file, from either the list or the mapping form."""
    if isinstance(raw, dict):
        items = []
        for name, settings in raw.items():
            settings = dict(settings or {})
            settings.setdefault('name', name)
            items.append(settings)
        return items
    if isinstance(raw, list):
        return raw
    return _fail('%s: components must be a list or a mapping' % path, path)


def _check_tag_format(where, tag_format, path):
    try:
        ok = '{version}' in tag_format and tag_format.format(version='1.0.0')
    except (KeyError, IndexError, ValueError):
        ok = False
    if not ok:
        _fail('%s: tag_format %r must contain {version} and no other field' % (where, tag_format), path)


def _check_settings(where, settings, path, seen):
    """The checks of one component's settings, defaults included."""
    for key in COMPONENT_KEYS:
        value = settings.get(key)
        if value is not None and not isinstance(value, str):
            _fail('%s: %s must be a string, got %r' % (where, key, value), path)
    for key in ('name', 'url'):
        if not settings.get(key):
            _fail('%s: missing %s' % (where, key), path)
    name = settings['name']
    if name in seen:
        _fail('%s: component %s is listed twice' % (where, name), path)
    if '/' in name or name.startswith('.'):
        _fail('%s: name %r must not contain "/" nor start with "."' % (where, name), path)
    try:
        # Refused before git sees it: a url like --upload-pack=... would be run as a command.
        validate_url(settings['url'], '%s: component %s: url' % (where, name))
    except InputError as exc:
        raise ReleasePlanError(exc.msg, file=path, component=name, value=settings['url'])
    if settings.get('version_file') is not None:
        problem = path_problem(settings['version_file'])
        if problem:
            raise ReleasePlanError('%s: component %s: version_file %r %s' % (where, name, settings['version_file'], problem),
                                   file=path, component=name, value=settings['version_file'])
    if settings.get('tag_format') is not None:
        _check_tag_format(where, settings['tag_format'], path)


def parse_components(data, path='components file'):
    """Components from the loaded components file (see docs/release_plans.md), in file order.

    Accepted: ``{components: [...], defaults: {...}}`` with each component a mapping holding
    ``name`` and ``url``, or ``components`` as a mapping name -> settings.
    """
    defaults = _defaults(data, path)
    components = []
    seen = set()
    for index, item in enumerate(_items(data['components'], path)):
        where = '%s: components[%d]' % (path, index)
        if not isinstance(item, dict):
            _fail('%s: expected a mapping, got %r' % (where, item), path)
        bad = sorted(set(item) - set(COMPONENT_KEYS))
        if bad:
            _fail('%s: unknown key(s) %s; valid: %s' % (where, ', '.join(str(b) for b in bad), ', '.join(COMPONENT_KEYS)), path)
        settings = dict(defaults)
        settings.update(item)
        _check_settings(where, settings, path, seen)
        seen.add(settings['name'])
        components.append(Component(**settings))
    return components


def load_components(path):
    return parse_components(load_yaml_file(path, 'components file'), path)


def select_components(components, names):
    """The components named in ``names`` (fnmatch patterns), in file order; unknown names fail."""
    if not names:
        return list(components)
    selected = []
    for pattern in names:
        matched = [c for c in components if fnmatch.fnmatchcase(c.name, pattern)]
        if not matched:
            raise ReleasePlanError('components: %r matches no component of the components file; known: %s'
                                   % (pattern, ', '.join(c.name for c in components)), value=pattern)
        selected.extend(c for c in matched if c not in selected)
    return [c for c in components if c in selected]
