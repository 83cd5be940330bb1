# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The components file: the repositories of a distribution and their settings
(see docs/release_plans.md)."""

from __future__ import annotations

import fnmatch

from ansible_collections.casa.distro.plugins.module_utils import _schema as schema
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._files import read_yaml
from ansible_collections.casa.distro.plugins.module_utils._git.arguments import redact, validate_url
from ansible_collections.casa.distro.plugins.module_utils._release_plan.credentials import Credentials, public_url
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import path_problem
from ansible_collections.casa.distro.plugins.module_utils._release_plan.schema_nodes import Nullable

DEFAULT_LATEST_RELEASE_BRANCH = 'latest_release'
DEFAULT_TAG_FORMAT = '{version}'
COMPONENT_KEYS = ('name', 'project', 'url', 'bug_fix_branch', 'latest_release_branch', 'version_file', 'tag_format')
DEFAULT_KEYS = ('project', 'bug_fix_branch', 'latest_release_branch', 'version_file', 'tag_format')

# The declared shape of the file (see _schema); the checks that need more than a shape (url,
# name, version_file, tag_format) follow in _check_settings.
_OPTIONAL = Nullable(schema.Str())
_SETTINGS = dict((key, _OPTIONAL) for key in DEFAULT_KEYS)
_DEFAULTS = Nullable(schema.Record(_SETTINGS, what='a mapping of default settings'))
_COMPONENT = schema.Record(dict(_SETTINGS, name=schema.Field(schema.Str(empty=False), required=True),
                                url=schema.Field(schema.Str(empty=False), required=True)), what='a component mapping')
# In the mapping form the key is the name; the settings may be empty.
_NAMED_COMPONENT = Nullable(schema.Record(dict(_SETTINGS, name=_OPTIONAL, url=_OPTIONAL), what='a component mapping'))
_TOP = schema.Record({'components': schema.Field(schema.Anything(), required=True), 'defaults': _DEFAULTS},
                     what='a mapping with a components key')
LIST_FILE = schema.Record({'components': schema.ListOf(_COMPONENT), 'defaults': _DEFAULTS})
MAPPING_FILE = schema.Record({'components': schema.MapOf(_NAMED_COMPONENT, key=schema.Str(empty=False)), 'defaults': _DEFAULTS})


class Component:
    """One repository of the components file. ``url`` is the public URL (no secret, see
    credentials); ``secret_url`` the URL as written."""

    def __init__(self, name, url, project=None, bug_fix_branch=None, latest_release_branch=None,
                 version_file=None, tag_format=None):
        self.name = name
        self.secret_url = url
        self.url = public_url(url)
        self.project = project or name
        self.bug_fix_branch = bug_fix_branch
        self.latest_release_branch = latest_release_branch or DEFAULT_LATEST_RELEASE_BRANCH
        self.version_file = version_file
        self.tag_format = tag_format or DEFAULT_TAG_FORMAT

    def tag_name(self, version):
        return self.tag_format.format(version=version)


def _fail(message, path):
    raise ReleasePlanError(message, file=path)


def _checked_shape(data, path):
    """The file checked against LIST_FILE or MAPPING_FILE (absent keys None)."""
    if data is None or not isinstance(data, dict) or 'components' not in data:
        _fail('%s: expected a mapping with a components key, got %s' % (path, schema.show(data)), path)
    components = schema.check(_TOP, data, path)['components']
    if not isinstance(components, (list, dict)):
        _fail('%s: components: expected a list or a mapping of components, got %s' % (path, schema.show(components)), path)
    return schema.check(LIST_FILE if isinstance(components, list) else MAPPING_FILE, data, path)


def _items(components):
    """The component mappings of the file, from either the list or the mapping form."""
    if isinstance(components, list):
        return components
    items = []
    for name, settings in components.items():
        settings = dict((key, value) for key, value in (settings or {}).items() if value is not None)
        settings.setdefault('name', name)
        items.append(settings)
    return items


def _check_tag_format(where, tag_format, path):
    try:
        ok = '{version}' in tag_format and tag_format.format(version='1.0.0')
    except (KeyError, IndexError, ValueError, AttributeError):
        ok = False
    if not ok:
        _fail('%s: tag_format %r must contain {version} and no other field' % (where, tag_format), path)


def _check_settings(where, settings, path, seen):
    """The checks of one component's settings (defaults included) beyond their shape."""
    for key in ('name', 'url'):
        if not settings.get(key):
            _fail('%s: missing %s' % (where, key), path)
    name = settings['name']
    if name in seen:
        _fail('%s: component %s is listed twice' % (where, name), path)
    if '/' in name or name.startswith('.') or '\0' in name:
        _fail('%s: name %r must not contain "/" nor start with "."' % (where, name), path)
    try:
        # Refused before git sees it: a url like --upload-pack=... would be run as a command.
        validate_url(settings['url'], '%s: component %s: url' % (where, name))
    except InputError as exc:
        raise ReleasePlanError(exc.msg, file=path, component=name, value=redact(settings['url']))
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
    checked = _checked_shape(data, path)
    defaults = dict((key, value) for key, value in (checked['defaults'] or {}).items() if value is not None)
    components = []
    seen = set()
    for index, item in enumerate(_items(checked['components'])):
        where = '%s: components[%d]' % (path, index)
        settings = dict(defaults)
        settings.update((key, value) for key, value in item.items() if value is not None)
        _check_settings(where, settings, path, seen)
        seen.add(settings['name'])
        components.append(Component(**settings))
    return components


def load_components(path):
    return parse_components(read_yaml(path, 'components file'), path)


def credentials_of(components):
    """The Credentials of the components' URLs."""
    return Credentials(component.secret_url for component in components)


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
