# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The schema of the plan file, checked on load: every error names the file, the key and the
value. A plan is edited by hand, so what apply will hand to git (the url) or write (the version
file) is checked here too, before anything runs."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._git.arguments import validate_url
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import path_problem
from ansible_collections.casa.distro.plugins.module_utils._release_plan.version_files import parse_version

SCHEMA_VERSION = 1
GENERATOR = 'casa.distro.casa_release_plan'
ACTION_NAMES = ('tag', 'set_version', 'set_branch')
ACTION_STATUSES = ('pending', 'done')


def _check_safety(where, name, entry, path):
    """The url and version files of an entry, which apply hands to git and writes."""
    if not isinstance(name, str) or '/' in name or name.startswith('.') or not name:
        # The name is the directory of the component's working clone under work_dir.
        raise ReleasePlanError('%s: component name %r must not contain "/" nor start with "."' % (where, name),
                               file=path, component=name, key='name', value=name)
    url = entry['url']
    try:
        validate_url(url, '%s: component %s: url' % (where, name))
    except InputError as exc:
        raise ReleasePlanError(exc.msg, file=path, component=name, key='url', value=url)
    files = [('version_file', entry.get('version_file'))]
    files.extend(('actions[%d].file' % index, action.get('file')) for index, action in enumerate(entry['actions'])
                 if isinstance(action, dict) and action.get('action') == 'set_version')
    for key, value in files:
        if value is None and key == 'version_file':
            continue
        problem = path_problem(value)
        if problem:
            raise ReleasePlanError('%s: component %s: %s %r refused: %s' % (where, name, key, value, problem),
                                   file=path, component=name, key=key, value=value)


def _check_branches(where, entry, path):
    for key in ('bug_fix', 'latest_release'):
        if not isinstance(entry[key], dict):
            raise ReleasePlanError('%s.%s must be a mapping with branch, commit and version' % (where, key), file=path)
        value = entry[key].get('version')
        if value is not None and not isinstance(value, str):
            raise ReleasePlanError('%s.%s.version must be a quoted string, got %r' % (where, key, value), file=path, value=value)


def _check_messages_and_versions(where, entry, path):
    for key in ('info', 'warnings', 'errors'):
        entry.setdefault(key, [])
        if not isinstance(entry[key], list):
            raise ReleasePlanError('%s.%s must be a list' % (where, key), file=path)
    for key in ('planned_version', 'proposed_version'):
        value = entry.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ReleasePlanError('%s.%s must be a quoted string, got %r (write it as \'%s\')'
                                   % (where, key, value, value), file=path, value=value)
        parse_version(value, '%s.%s' % (where, key))


def _check_actions(where, entry, path):
    if not isinstance(entry['actions'], list):
        raise ReleasePlanError('%s.actions must be a list' % where, file=path)
    for index, action in enumerate(entry['actions']):
        here = '%s.actions[%d]' % (where, index)
        if not isinstance(action, dict) or action.get('action') not in ACTION_NAMES:
            raise ReleasePlanError('%s: action must be one of %s, got %r'
                                   % (here, ', '.join(ACTION_NAMES), action.get('action') if isinstance(action, dict) else action),
                                   file=path)
        if action.get('status') not in ACTION_STATUSES:
            raise ReleasePlanError('%s: status must be one of %s, got %r'
                                   % (here, ', '.join(ACTION_STATUSES), action.get('status')), file=path)


def validate_entry(where, name, entry, path):
    """The checks of one component's entry; ``where`` names the file and the entry's key."""
    if not isinstance(entry, dict):
        raise ReleasePlanError('%s: expected a mapping' % where, file=path)
    for key in ('url', 'bug_fix', 'latest_release', 'actions'):
        if key not in entry:
            raise ReleasePlanError('%s: missing key %s' % (where, key), file=path)
    _check_branches(where, entry, path)
    _check_messages_and_versions(where, entry, path)
    _check_actions(where, entry, path)
    _check_safety(where, name, entry, path)


def validate_plan(data, path):
    """Checks the loaded plan file against the schema; the error names the key and value."""
    if not isinstance(data, dict):
        raise ReleasePlanError('%s: not a release plan (expected a mapping)' % path, file=path)
    if data.get('schema_version') != SCHEMA_VERSION:
        raise ReleasePlanError('%s: schema_version is %r; this module reads schema_version %d'
                               % (path, data.get('schema_version'), SCHEMA_VERSION), file=path)
    projects = data.get('projects')
    if projects is None:
        data['projects'] = projects = {}
    if not isinstance(projects, dict):
        raise ReleasePlanError('%s: projects must be a mapping' % path, file=path)
    for project, components in projects.items():
        if not isinstance(components, dict):
            raise ReleasePlanError('%s: projects.%s must be a mapping of components' % (path, project), file=path)
        for name, entry in components.items():
            validate_entry('%s: projects.%s.%s' % (path, project, name), name, entry, path)
    return data
