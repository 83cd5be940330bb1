# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The schema of the plan file, checked on load: every error names the file, the key and the
value. A plan is edited by hand, so what apply will hand to git (the url) or write (the version
file) is checked here too, before anything runs."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils import _schema as schema
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._git.arguments import validate_url
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import path_problem
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import STATES
from ansible_collections.casa.distro.plugins.module_utils._release_plan.schema_nodes import COMMIT, Nullable, RefName, VersionText

SCHEMA_VERSION = 1
GENERATOR = 'casa.distro.casa_release_plan'
ACTION_NAMES = ('tag', 'set_version', 'set_branch')
ACTION_STATUSES = ('pending', 'done')

# ------------------------------------------------------------------ the declared shape
_STATUS = schema.Field(schema.Str(choices=ACTION_STATUSES), required=True)
_BRANCH = schema.Field(RefName('branch'), required=True)
# First the kind of each action, then its own keys (so that a missing key is named, not a KeyError).
ACTION_KIND = schema.Record({'action': schema.Field(schema.Str(choices=ACTION_NAMES), required=True), 'status': _STATUS},
                            extra='allow', what='an action mapping')
ACTION_SCHEMAS = {
    'tag': schema.Record({'action': schema.Str(), 'tag': schema.Field(RefName('tag'), required=True),
                          'commit': schema.Field(COMMIT, required=True), 'status': _STATUS}, what='a tag action'),
    'set_version': schema.Record({'action': schema.Str(), 'branch': _BRANCH, 'file': schema.Field(schema.Str(), required=True),
                                  'from_version': schema.Field(VersionText(), required=True),
                                  'version': schema.Field(VersionText(), required=True), 'parent': schema.Field(COMMIT, required=True),
                                  'result_commit': Nullable(COMMIT), 'status': _STATUS}, what='a set_version action'),
    'set_branch': schema.Record({'action': schema.Str(), 'branch': _BRANCH, 'from_commit': Nullable(COMMIT),
                                 'source': schema.Field(RefName('branch'), required=True), 'result_commit': Nullable(COMMIT),
                                 'status': _STATUS}, what='a set_branch action'),
}


class ActionList(schema.Node):
    """The actions of an entry: the kind of each first, then the keys of its kind (a missing key
    is named, never a KeyError later)."""

    def describe(self):
        return 'a list of actions'

    def check_at(self, value, path, fail):
        if not isinstance(value, list):
            return self._mismatch(value, path, fail)
        checked = []
        for index, action in enumerate(value):
            kind = ACTION_KIND.check_at(action, path + [index], fail)['action']
            checked.append(ACTION_SCHEMAS[kind].check_at(action, path + [index], fail))
        return checked


_BRANCH_STATE = schema.Record({'branch': Nullable(RefName('branch')), 'commit': Nullable(COMMIT), 'version': Nullable(VersionText())},
                              what='a mapping with branch, commit and version')
_MESSAGES = schema.ListOf(schema.Str())
ENTRY = schema.Record({
    'url': schema.Field(schema.Str(empty=False), required=True),
    'state': Nullable(schema.Str(choices=STATES)),
    'version_file': Nullable(schema.Str()),
    'bug_fix': schema.Field(_BRANCH_STATE, required=True),
    'latest_release': schema.Field(_BRANCH_STATE, required=True),
    'version_tag': Nullable(schema.Record({'name': RefName('tag'), 'commit': Nullable(COMMIT)}, what='a mapping with name and commit')),
    'proposed_version': Nullable(VersionText()),
    'planned_version': Nullable(VersionText()),
    'actions': schema.Field(ActionList(), required=True),
    'info': _MESSAGES,
    'warnings': _MESSAGES,
    'errors': _MESSAGES,
}, what='a component entry (a mapping)')
PLAN = schema.Record({
    'schema_version': schema.Field(schema.Int(), required=True),
    'generator': Nullable(schema.Str()),
    'projects': Nullable(schema.MapOf(schema.MapOf(ENTRY, key=schema.Str(empty=False)), key=schema.Str(empty=False))),
}, what='a release plan (a mapping)')


# ------------------------------------------------------------------ what apply hands to git and writes
def _check_safety(where, name, entry, path):
    """The url and version files of an entry, which apply hands to git and writes."""
    if '/' in name or name.startswith('.') or '\0' in name:
        # The name is the directory of the component's working clone under work_dir.
        raise ReleasePlanError('%s: component name %r must not contain "/" nor start with "."' % (where, name),
                               file=path, component=name, key='name', value=name)
    url = entry['url']
    try:
        validate_url(url, '%s: component %s: url' % (where, name))
    except InputError as exc:
        raise ReleasePlanError(exc.msg, file=path, component=name, key='url', value=exc.details.get('url'))
    files = [('version_file', entry.get('version_file'))]
    files.extend(('actions[%d].file' % index, action.get('file')) for index, action in enumerate(entry['actions'])
                 if action.get('action') == 'set_version')
    for key, value in files:
        if value is None and key == 'version_file':
            continue
        problem = path_problem(value)
        if problem:
            raise ReleasePlanError('%s: component %s: %s %r refused: %s' % (where, name, key, value, problem),
                                   file=path, component=name, key=key, value=value)


def validate_plan(data, path):
    """The loaded plan file checked against PLAN, then what apply would hand to git or write;
    ``data`` is updated in place (absent optional keys filled, entry keys in schema order)."""
    if not isinstance(data, dict):
        raise ReleasePlanError('%s: not a release plan (expected a mapping), got %s' % (path, schema.show(data)), file=path)
    if data.get('schema_version') != SCHEMA_VERSION:
        raise ReleasePlanError('%s: schema_version is %s; this module reads schema_version %d'
                               % (path, schema.show(data.get('schema_version')), SCHEMA_VERSION), file=path)
    checked = schema.check(PLAN, data, path)
    projects = checked['projects'] or {}
    for project, components in projects.items():
        for name, entry in components.items():
            for key in ('info', 'warnings', 'errors'):
                if entry[key] is None:
                    entry[key] = []
            _check_safety('%s: projects.%s.%s' % (path, project, name), name, entry, path)
    data.clear()
    data.update(schema_version=checked['schema_version'], generator=checked['generator'] or GENERATOR, projects=projects)
    return data
