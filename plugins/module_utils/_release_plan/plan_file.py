# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan file: a new plan, its entries in stable order, its text (load and dump) and its
counts per state. The schema is checked by plan_schema and described in docs/release_plans.md."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._files import atomic_write, read_yaml
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_schema import GENERATOR, SCHEMA_VERSION, validate_plan
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import STATES, component_state
from ansible_collections.casa.distro.plugins.module_utils._release_plan.yaml_files import yaml_text


def new_plan():
    return {'schema_version': SCHEMA_VERSION, 'generator': GENERATOR, 'projects': {}}


def plan_entries(plan):
    """(project, component, entry) in stable order: projects, then components, sorted."""
    for project in sorted(plan.get('projects') or {}):
        components = plan['projects'][project] or {}
        for name in sorted(components):
            yield project, name, components[name]


def sorted_plan(plan):
    """A copy of ``plan`` with projects and components in sorted order (stable diffs)."""
    result = {'schema_version': plan.get('schema_version', SCHEMA_VERSION), 'generator': plan.get('generator', GENERATOR),
              'projects': {}}
    for project, name, entry in plan_entries(plan):
        result['projects'].setdefault(project, {})[name] = entry
    return result


def set_entry(plan, project, name, entry):
    """Put an entry in the plan, removing the component from any other project first."""
    for other in list(plan['projects']):
        if other != project and name in (plan['projects'][other] or {}):
            del plan['projects'][other][name]
            if not plan['projects'][other]:
                del plan['projects'][other]
    plan['projects'].setdefault(project, {})[name] = entry


def _entry_text(project, name, entry):
    """The YAML of one component under ``projects:``, its project key on the first line."""
    return ''.join('  ' + line for line in yaml_text({project: {name: entry}}).splitlines(True))


def dump_plan(plan, cache=None):
    """The plan file text: projects and components sorted, entry keys in schema order.

    Rendered component by component, so that ``cache`` ({(project, component): text}) spares a
    resumable apply, which saves the plan after every action, from rendering the whole plan each
    time; a caller changing an entry drops its key from the cache.
    """
    parts = [yaml_text({'schema_version': plan.get('schema_version', SCHEMA_VERSION),
                        'generator': plan.get('generator', GENERATOR)})]
    previous = None
    body = []
    for project, name, entry in plan_entries(plan):
        key = (project, name)
        text = cache.get(key) if cache is not None else None
        if text is None:
            text = _entry_text(project, name, entry)
            if cache is not None:
                cache[key] = text
        if project == previous:
            text = text.split('\n', 1)[1]
        previous = project
        body.append(text)
    parts.append('projects:\n' if body else 'projects: {}\n')
    return ''.join(parts + body)


def load_plan(path):
    """The plan stored in ``path``, checked against the schema (plan_schema.validate_plan)."""
    if not os.path.lexists(path):
        raise ReleasePlanError('plan_file %s does not exist; make it with command=create' % path, file=path)
    return validate_plan(read_yaml(path, 'plan file'), path)


def write_plan(path, text):
    """Write the plan file text atomically."""
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise ReleasePlanError('cannot write plan_file %s: %s' % (path, exc.strerror), file=path)


def summarise(plan):
    """Number of components per state, every state listed."""
    counts = dict((state, 0) for state in STATES)
    for dummy, dummy2, entry in plan_entries(plan):
        state = component_state(entry)
        counts[state] = counts.get(state, 0) + 1
    return counts
