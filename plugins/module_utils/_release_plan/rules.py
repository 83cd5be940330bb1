# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The v2 release rules: pure functions from the facts read in a repository (see inspection) to a
plan entry, its ordered actions and its state."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._versions import Version

STATES = ('error', 'warning', 'todo', 'done', 'nothing', 'ignored')


def short(commit):
    """A commit as shown in messages."""
    return commit[:10] if commit else 'none'


def new_entry(component):
    """A plan entry with every key, in the order of the plan file schema."""
    return {
        'url': component.url,
        'state': 'nothing',
        'version_file': None,
        'bug_fix': {'branch': component.bug_fix_branch, 'commit': None, 'version': None},
        'latest_release': {'branch': component.latest_release_branch, 'commit': None, 'version': None},
        'version_tag': None,
        'proposed_version': None,
        'planned_version': None,
        'actions': [],
        'info': [],
        'warnings': [],
        'errors': [],
    }


def ignored_entry(component):
    entry = new_entry(component)
    entry['info'] = ['Ignored by decision']
    entry['state'] = 'ignored'
    return entry


def _finish(entry):
    entry['state'] = component_state(entry)
    return entry


def _check_release_tag(component, entry, lr_version, facts):
    """The tag of the old latest_release version: planned, already there, or on another commit;
    and whether latest_release holds commits that bug_fix lacks."""
    tags = facts.get('tags') or {}
    bug_fix, latest = entry['bug_fix'], entry['latest_release']
    tag = component.tag_name(lr_version)
    entry['version_tag'] = {'name': tag, 'commit': tags.get(tag)}
    if tag in tags:
        if tags[tag] == latest['commit']:
            entry['info'].append('tag %s already points to latest_release (%s)' % (tag, short(latest['commit'])))
        else:
            entry['errors'].append('tag %s already exists on commit %s, not on latest_release commit %s'
                                   % (tag, short(tags[tag]), short(latest['commit'])))
    if facts.get('latest_release_in_bug_fix') is False:
        entry['warnings'].append('latest_release (%s) has commits that bug_fix (%s) lacks; after the release they stay '
                                 'reachable only through tag %s' % (short(latest['commit']), short(bug_fix['commit']), tag))


def _proposed_version(component, entry, facts):
    """The version the rules propose, or None when the entry is already complete (nothing to do,
    or an error)."""
    errors, info = entry['errors'], entry['info']
    bug_fix, latest = entry['bug_fix'], entry['latest_release']
    if errors or not bug_fix.get('commit') or not bug_fix.get('version'):
        if not errors:
            errors.append('bug_fix branch %s has no readable version' % bug_fix.get('branch'))
        return None
    bf_version = Version(bug_fix['version'])
    if not latest.get('commit'):
        info.append('latest_release branch %s does not exist: it will be created from bug_fix' % latest['branch'])
        return bf_version
    if latest['commit'] == bug_fix['commit']:
        info.append('latest_release identical to bug_fix at commit %s' % short(latest['commit']))
        entry['proposed_version'] = entry['planned_version'] = bug_fix['version']
        return None
    if not latest.get('version'):
        errors.append('latest_release branch %s has no readable version in %s' % (latest['branch'], entry['version_file']))
        return None
    lr_version = Version(latest['version'])
    if lr_version > bf_version:
        errors.append('latest_release version %s is higher than bug_fix version %s' % (lr_version, bf_version))
        return None
    _check_release_tag(component, entry, lr_version, facts)
    return bf_version.bump() if lr_version == bf_version else bf_version


def _hand_edited_version(entry, previous):
    """The planned_version edited by hand in ``previous`` (different from its proposed_version),
    while the versions of the branches are those it was chosen for; else None."""
    if not previous or previous.get('planned_version') == previous.get('proposed_version'):
        return None
    manual = previous.get('planned_version')
    same_versions = ((previous.get('bug_fix') or {}).get('version') == entry['bug_fix']['version']
                     and (previous.get('latest_release') or {}).get('version') == entry['latest_release'].get('version'))
    if not same_versions:
        entry['info'].append('planned_version %s set by hand was dropped: the versions of the branches changed since' % (manual,))
        return None
    return manual


def _planned_version(entry, proposed, manual):
    """The version to release: ``manual`` when given and valid, else ``proposed``; None on error."""
    if manual is None:
        return proposed
    try:
        if not isinstance(manual, str):
            raise ValueError('it must be a quoted string, got %r' % (manual,))
        planned = Version(manual)
    except ValueError as exc:
        entry['errors'].append('planned_version edited by hand: %s' % exc)
        return None
    entry['info'].append('planned_version %s set by hand (proposed %s)' % (planned, proposed))
    return planned


def _check_planned(component, entry, planned, tags):
    errors = entry['errors']
    latest = entry['latest_release']
    bf_version = Version(entry['bug_fix']['version'])
    entry['planned_version'] = str(planned)
    if planned < bf_version:
        errors.append('planned_version %s is lower than bug_fix version %s' % (planned, bf_version))
    elif latest.get('version') and planned <= Version(latest['version']):
        errors.append('planned_version %s must be higher than latest_release version %s' % (planned, latest['version']))
    planned_tag = component.tag_name(planned)
    if planned_tag in tags:
        entry['warnings'].append('tag %s of the planned version already exists (commit %s)' % (planned_tag, short(tags[planned_tag])))
    if not errors:
        entry['info'].append('Upgrade from version %s to version %s.' % (latest.get('version') or 'none', planned))


def evaluate(component, facts, previous=None):
    """The plan entry of ``component`` from ``facts`` (what inspect_component read), applying the
    v2 rules. ``previous`` is the component's entry in the plan being updated: a planned_version
    edited by hand there (different from its proposed_version) is kept.

    facts: ``{default_branch, bug_fix: {branch, commit, version}, latest_release: {...},
    version_file, tags: {name: commit}, latest_release_in_bug_fix: bool|None, errors: [..]}``.
    """
    entry = new_entry(component)
    entry['bug_fix'].update(facts.get('bug_fix') or {})
    entry['latest_release'].update(facts.get('latest_release') or {})
    entry['version_file'] = facts.get('version_file')
    entry['errors'].extend(facts.get('errors') or [])
    proposed = _proposed_version(component, entry, facts)
    if proposed is None:
        return _finish(entry)
    entry['proposed_version'] = str(proposed)
    planned = _planned_version(entry, proposed, _hand_edited_version(entry, previous))
    if planned is not None:
        _check_planned(component, entry, planned, facts.get('tags') or {})
    entry['actions'] = derive_actions(entry)
    return _finish(entry)


def derive_actions(entry):
    """The ordered actions an entry calls for, all pending: tag the old latest_release with its
    version (unless the tag already points there), commit the version bump on bug_fix (when the
    planned version differs from bug_fix's), then move or create latest_release."""
    if entry.get('errors') or entry.get('state') == 'ignored':
        return []
    bug_fix, latest = entry['bug_fix'], entry['latest_release']
    if not bug_fix.get('commit') or latest.get('commit') == bug_fix['commit'] or not entry.get('planned_version'):
        return []
    actions = []
    tag = entry.get('version_tag') or {}
    if latest.get('commit') and tag.get('name') and not tag.get('commit'):
        actions.append({'action': 'tag', 'tag': tag['name'], 'commit': latest['commit'], 'status': 'pending'})
    if Version(entry['planned_version']) != Version(bug_fix['version']):
        actions.append({'action': 'set_version', 'branch': bug_fix['branch'], 'file': entry['version_file'],
                        'from_version': bug_fix['version'], 'version': entry['planned_version'],
                        'parent': bug_fix['commit'], 'result_commit': None, 'status': 'pending'})
    actions.append({'action': 'set_branch', 'branch': latest['branch'], 'from_commit': latest.get('commit'),
                    'source': bug_fix['branch'], 'result_commit': None, 'status': 'pending'})
    return actions


def _action_shape(action):
    return {key: value for key, value in action.items() if key not in ('status', 'result_commit')}


def actions_match(entry):
    """Whether the stored actions are those the entry's facts and planned_version call for."""
    try:
        derived = derive_actions(entry)
    except ValueError:
        return False
    return [_action_shape(a) for a in derived] == [_action_shape(a) for a in entry.get('actions') or []]


def component_state(entry):
    """error, warning, todo, done, nothing or ignored (the report colour)."""
    if entry.get('state') == 'ignored':
        return 'ignored'
    if entry.get('errors'):
        return 'error'
    actions = entry.get('actions') or []
    if actions and all(a.get('status') == 'done' for a in actions):
        return 'done'
    if entry.get('warnings'):
        return 'warning'
    return 'todo' if actions else 'nothing'


def describe_action(project, name, action):
    """One line saying what an action does."""
    kind = action['action']
    where = '%s/%s' % (project, name)
    if kind == 'tag':
        return '%s: tag %s at latest_release commit %s and push it' % (where, action['tag'], short(action['commit']))
    if kind == 'set_version':
        return '%s: commit version %s -> %s in %s on %s (parent %s) and push it' % (
            where, action['from_version'], action['version'], action['file'], action['branch'], short(action['parent']))
    return '%s: %s branch %s at %s%s' % (
        where, 'move' if action.get('from_commit') else 'create', action['branch'], action['source'],
        ' (from %s)' % short(action['from_commit']) if action.get('from_commit') else '')
