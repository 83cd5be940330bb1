# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What casa_release_plan does: create, update, publish and apply release plans over the git
repositories of a distribution (casa_distro_admin create_release_plan, update_release_plan,
publish_release_plan and apply_release_plan, v2 rules, git instead of GitHub's SVN bridge).

Layers, top to bottom:

- ``ReleasePlanManager``: one module task (``command`` create, update, publish or apply).
- rules (``evaluate``, ``derive_actions``, ``component_state``): pure functions from the facts
  read in a repository to a plan entry and its ordered actions.
- version files (``Version``, ``read_version``, ``write_version``, ``detect_version_file``):
  pure text parsing and rewriting.
- git (``ls_remote``, ``LocalClone``): the one place that runs git, through GitPython.

The plan file schema is described in docs/release_plans.md.
"""

from __future__ import annotations

import fnmatch
import functools
import html
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.casa.distro.plugins.module_utils._files import atomic_write

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
    try:
        _YAML_LOADER = yaml.CSafeLoader
        _YAML_DUMPER = yaml.CSafeDumper
    except AttributeError:  # PyYAML without libyaml: slower, same output
        _YAML_LOADER = yaml.SafeLoader
        _YAML_DUMPER = yaml.SafeDumper
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc

try:
    import git
    HAS_GIT = True
    GIT_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    git = None
    HAS_GIT = False
    GIT_IMPORT_ERROR = exc

SCHEMA_VERSION = 1
GENERATOR = 'casa.distro.casa_release_plan'
DEFAULT_LATEST_RELEASE_BRANCH = 'latest_release'
DEFAULT_TAG_FORMAT = '{version}'
# The first line of every version-bump commit; apply recognises its own pushed commits by it.
BUMP_MESSAGE = 'Upgrade version from {old} to {new} (release plan)'
STATES = ('error', 'warning', 'todo', 'done', 'nothing', 'ignored')
# Row colours of the reports, those of the v2 release plan, plus done and ignored.
STATE_COLOURS = {
    'error': '#d50000',
    'warning': '#ff8a65',
    'todo': '#a5d6a7',
    'nothing': '#b0bec5',
    'done': '#90caf9',
    'ignored': '#eceff1',
}
ACTION_NAMES = ('tag', 'set_version', 'set_branch')
ACTION_STATUSES = ('pending', 'done')
COMPONENT_KEYS = ('name', 'project', 'url', 'bug_fix_branch', 'latest_release_branch', 'version_file', 'tag_format')
DEFAULT_KEYS = ('project', 'bug_fix_branch', 'latest_release_branch', 'version_file', 'tag_format')


class ReleasePlanError(Exception):
    """Bad input or a failed git operation. ``details`` is merged into the module's failure result."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


# ---------------------------------------------------------------------------------- versions
_VERSION_RE = re.compile(r'^v?(\d+(?:\.\d+)*)([-.+_]?[A-Za-z][0-9A-Za-z.+_-]*)?$')


@functools.total_ordering
class Version:
    """A dotted version number, compared numerically (1.10 > 1.9, 1.2 == 1.2.0).

    A suffix after the numbers (``1.2.3rc1``, ``1.2.3-beta``) marks a pre-release, which sorts
    before the same numbers without a suffix.
    """

    def __init__(self, text):
        if not isinstance(text, str):
            raise ValueError('a version must be a string, got %r' % (text,))
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise ValueError('%r is not a version number (expected digits separated by dots, like 1.2.3)' % (text,))
        self.text = text.strip()
        self.numbers = tuple(int(part) for part in match.group(1).split('.'))
        self.suffix = (match.group(2) or '').lstrip('-._+')

    def _key(self):
        numbers = list(self.numbers)
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        suffix = tuple((0, int(part), '') if part.isdigit() else (1, 0, part)
                       for part in re.findall(r'\d+|[A-Za-z]+', self.suffix))
        return (tuple(numbers), 0 if self.suffix else 1, suffix)

    def __eq__(self, other):
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other):
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        return self.text

    def __repr__(self):
        return 'Version(%r)' % self.text

    def padded(self, length=3):
        """The numbers, padded with zeros to ``length`` parts."""
        return tuple(self.numbers) + (0,) * max(0, length - len(self.numbers))

    def bump(self):
        """The next patch version: the last of at least three numbers plus one (1.2.3 -> 1.2.4,
        1.2 -> 1.2.1); a pre-release suffix is dropped."""
        numbers = list(self.padded(3))
        numbers[-1] += 1
        return Version('.'.join(str(number) for number in numbers))


def parse_version(value, where):
    """A Version from ``value``, or a ReleasePlanError naming ``where`` (file and key)."""
    try:
        return Version(value)
    except ValueError as exc:
        raise ReleasePlanError('%s: %s' % (where, exc), value=value)


# ------------------------------------------------------------------------------ version files
_CMAKE_PARTS = ('MAJOR', 'MINOR', 'PATCH')
_PY_PARTS = ('version_major', 'version_minor', 'version_micro')


def _cmake_re(part):
    return re.compile(r'(set\s*\(\s*BRAINVISA_PACKAGE_VERSION_%s\s+"?)(\d+)("?\s*\))' % part, re.IGNORECASE)


def _py_re(name):
    return re.compile(r'^(\s*%s\s*=\s*)(\d+)' % name, re.MULTILINE)


def version_file_kind(path):
    """``cmake``, ``info_py``, ``pyproject`` or ``plain`` (a VERSION file), from the file name."""
    base = path.rsplit('/', 1)[-1]
    if base.endswith('.cmake'):
        return 'cmake'
    if base.endswith('.py'):
        return 'info_py'
    if base == 'pyproject.toml':
        return 'pyproject'
    return 'plain'


def _pyproject_version_line(text):
    """(line index, quote, value) of the static version of [project] or [tool.poetry], or None."""
    table = None
    lines = text.splitlines(True)
    dynamic = False
    found = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        header = re.match(r'^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$', stripped)
        if header:
            table = header.group(1)
            continue
        if table not in ('project', 'tool.poetry'):
            continue
        match = re.match(r'^(\s*version\s*=\s*)(["\'])([^"\']*)\2', line)
        if match and found is None:
            found = (index, match.group(2), match.group(3))
        if table == 'project' and re.match(r'^\s*dynamic\s*=.*["\']version["\']', line):
            dynamic = True
    if found is None and dynamic:
        return None
    return found


def read_version(path, text):
    """The Version held by the text of version file ``path``; ReleasePlanError names the file
    and the missing or bad key."""
    kind = version_file_kind(path)
    if kind == 'cmake':
        numbers = []
        for part in _CMAKE_PARTS:
            match = _cmake_re(part).search(text)
            if not match:
                raise ReleasePlanError('%s: no set(BRAINVISA_PACKAGE_VERSION_%s <number>) line' % (path, part), file=path)
            numbers.append(match.group(2))
        return Version('.'.join(numbers))
    if kind == 'info_py':
        numbers = []
        for name in _PY_PARTS:
            match = _py_re(name).search(text)
            if not match:
                raise ReleasePlanError('%s: no "%s = <number>" line' % (path, name), file=path)
            numbers.append(match.group(2))
        return Version('.'.join(numbers))
    if kind == 'pyproject':
        found = _pyproject_version_line(text)
        if found is None:
            raise ReleasePlanError('%s: no static version = "..." in [project] or [tool.poetry]' % path, file=path)
        return parse_version(found[2], '%s: key version' % path)
    value = text.strip()
    if not value or '\n' in value:
        raise ReleasePlanError('%s: expected a single version number, got %r' % (path, text[:80]), file=path)
    return parse_version(value, path)


def write_version(path, text, version):
    """The text of version file ``path`` with its version set to ``version`` (a Version);
    everything else (comments, spacing, quotes) is kept."""
    kind = version_file_kind(path)
    if kind in ('cmake', 'info_py'):
        if len(version.numbers) > 3 or version.suffix:
            raise ReleasePlanError('%s holds three numbers; version %s does not fit' % (path, version), file=path)
        parts = _CMAKE_PARTS if kind == 'cmake' else _PY_PARTS
        make = _cmake_re if kind == 'cmake' else _py_re
        for part, number in zip(parts, version.padded(3)):
            pattern = make(part)
            if not pattern.search(text):
                raise ReleasePlanError('%s: no %s value to rewrite' % (path, part), file=path)
            text = pattern.sub(lambda match, n=number: '%s%d%s' % (match.group(1), n, match.group(3) if kind == 'cmake' else ''),
                               text, count=1)
        return text
    if kind == 'pyproject':
        found = _pyproject_version_line(text)
        if found is None:
            raise ReleasePlanError('%s: no static version = "..." to rewrite' % path, file=path)
        lines = text.splitlines(True)
        index = found[0]
        lines[index] = re.sub(r'^(\s*version\s*=\s*)(["\'])([^"\']*)\2',
                              lambda match: '%s%s%s%s' % (match.group(1), match.group(2), version, match.group(2)),
                              lines[index], count=1)
        return ''.join(lines)
    value = text.strip()
    if not value:
        return '%s\n' % version
    start = text.index(value)
    return text[:start] + str(version) + text[start + len(value):]


def version_file_candidates(root_names, subdir_names):
    """Candidate version files in the order brainvisa-cmake looks for them, then the modern ones.

    ``root_names``: names at the top of the tree; ``subdir_names``: {directory: names in it}
    (for the top directories and ``python/<package>``).
    """
    candidates = []
    if 'project_info.cmake' in root_names:
        candidates.append('project_info.cmake')
    for directory in sorted(subdir_names):
        if directory.startswith('python/') and 'info.py' in subdir_names[directory]:
            candidates.append(directory + '/info.py')
    for directory in sorted(subdir_names):
        if '/' not in directory and 'info.py' in subdir_names[directory]:
            candidates.append(directory + '/info.py')
    for name in ('info.py', 'pyproject.toml', 'VERSION'):
        if name in root_names:
            candidates.append(name)
    return candidates


def detect_version_file(candidates, read):
    """(path, Version) of the first candidate holding a version; ``read(path)`` gives its text.

    A candidate that exists but holds no version is skipped (a pyproject.toml with a dynamic
    version, say); when none holds one, the error lists why each was refused.
    """
    reasons = []
    for path in candidates:
        try:
            return path, read_version(path, read(path))
        except ReleasePlanError as exc:
            reasons.append(str(exc))
    if not candidates:
        raise ReleasePlanError('no version file found (looked for project_info.cmake, python/*/info.py, */info.py, '
                               'info.py, pyproject.toml, VERSION); set version_file')
    raise ReleasePlanError('no usable version file: %s' % '; '.join(reasons))


# ------------------------------------------------------------------------------------ inputs
def _load_yaml_file(path, what):
    try:
        with open(path) as handle:
            return yaml.load(handle, Loader=_YAML_LOADER)
    except OSError as exc:
        raise ReleasePlanError('cannot read %s %s: %s' % (what, path, exc.strerror), file=path)
    except yaml.YAMLError as exc:
        raise ReleasePlanError('%s %s is not valid YAML: %s' % (what, path, exc), file=path)


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


def parse_components(data, path='components file'):
    """Components from the loaded components file (see docs/release_plans.md), in file order.

    Accepted: ``{components: [...], defaults: {...}}`` with each component a mapping holding
    ``name`` and ``url``, or ``components`` as a mapping name -> settings.
    """
    if not isinstance(data, dict) or 'components' not in data:
        raise ReleasePlanError('%s: expected a mapping with a components key' % path, file=path)
    unknown = sorted(set(data) - {'components', 'defaults'})
    if unknown:
        raise ReleasePlanError('%s: unknown top-level key(s) %s; valid: components, defaults' % (path, ', '.join(unknown)), file=path)
    defaults = data.get('defaults') or {}
    if not isinstance(defaults, dict):
        raise ReleasePlanError('%s: defaults must be a mapping' % path, file=path)
    bad = sorted(set(defaults) - set(DEFAULT_KEYS))
    if bad:
        raise ReleasePlanError('%s: defaults: unknown key(s) %s; valid: %s' % (path, ', '.join(bad), ', '.join(DEFAULT_KEYS)), file=path)
    raw = data['components']
    if isinstance(raw, dict):
        items = []
        for name, settings in raw.items():
            settings = dict(settings or {})
            settings.setdefault('name', name)
            items.append(settings)
    elif isinstance(raw, list):
        items = raw
    else:
        raise ReleasePlanError('%s: components must be a list or a mapping' % path, file=path)
    components = []
    seen = set()
    for index, item in enumerate(items):
        where = '%s: components[%d]' % (path, index)
        if not isinstance(item, dict):
            raise ReleasePlanError('%s: expected a mapping, got %r' % (where, item), file=path)
        bad = sorted(set(item) - set(COMPONENT_KEYS))
        if bad:
            raise ReleasePlanError('%s: unknown key(s) %s; valid: %s' % (where, ', '.join(str(b) for b in bad), ', '.join(COMPONENT_KEYS)),
                                   file=path)
        settings = dict(defaults)
        settings.update(item)
        for key in COMPONENT_KEYS:
            value = settings.get(key)
            if value is not None and not isinstance(value, str):
                raise ReleasePlanError('%s: %s must be a string, got %r' % (where, key, value), file=path)
        for key in ('name', 'url'):
            if not settings.get(key):
                raise ReleasePlanError('%s: missing %s' % (where, key), file=path)
        if settings['name'] in seen:
            raise ReleasePlanError('%s: component %s is listed twice' % (where, settings['name']), file=path)
        if '/' in settings['name'] or settings['name'].startswith('.'):
            raise ReleasePlanError('%s: name %r must not contain "/" nor start with "."' % (where, settings['name']), file=path)
        tag_format = settings.get('tag_format')
        if tag_format is not None:
            try:
                ok = '{version}' in tag_format and tag_format.format(version='1.0.0')
            except (KeyError, IndexError, ValueError):
                ok = False
            if not ok:
                raise ReleasePlanError('%s: tag_format %r must contain {version} and no other field' % (where, tag_format), file=path)
        seen.add(settings['name'])
        components.append(Component(**settings))
    return components


def load_components(path):
    return parse_components(_load_yaml_file(path, 'components file'), path)


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


class Decisions:
    """The decisions file: ``ignore: {component: [..], project: [..]}`` (v2 format)."""

    def __init__(self, components=(), projects=()):
        self.components = set(components)
        self.projects = set(projects)

    def ignores(self, component):
        return component.name in self.components or component.project in self.projects


def parse_decisions(data, path='decisions file'):
    if data is None:
        return Decisions()
    if not isinstance(data, dict):
        raise ReleasePlanError('%s: expected a mapping with an ignore key' % path, file=path)
    unknown = sorted(set(data) - {'ignore'})
    if unknown:
        raise ReleasePlanError('%s: unknown key(s) %s; valid: ignore' % (path, ', '.join(unknown)), file=path)
    ignore = data.get('ignore') or {}
    if not isinstance(ignore, dict):
        raise ReleasePlanError('%s: ignore must be a mapping with component and project lists' % path, file=path)
    aliases = {'component': 'component', 'components': 'component', 'project': 'project', 'projects': 'project'}
    found = {'component': [], 'project': []}
    for key, value in ignore.items():
        if key not in aliases:
            raise ReleasePlanError('%s: ignore: unknown key %s; valid: component, project' % (path, key), file=path)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ReleasePlanError('%s: ignore.%s must be a list of names, got %r' % (path, key, value), file=path)
        found[aliases[key]].extend(value)
    return Decisions(found['component'], found['project'])


def load_decisions(path):
    if not path:
        return Decisions()
    return parse_decisions(_load_yaml_file(path, 'decisions file'), path)


# ------------------------------------------------------------------------------------- rules
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


def _short(commit):
    return commit[:10] if commit else 'none'


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
    errors, warnings, info = entry['errors'], entry['warnings'], entry['info']
    errors.extend(facts.get('errors') or [])
    bug_fix, latest = entry['bug_fix'], entry['latest_release']
    tags = facts.get('tags') or {}
    if errors or not bug_fix.get('commit') or not bug_fix.get('version'):
        if not errors:
            errors.append('bug_fix branch %s has no readable version' % bug_fix.get('branch'))
        entry['state'] = component_state(entry)
        return entry
    bf_version = Version(bug_fix['version'])
    if not latest.get('commit'):
        info.append('latest_release branch %s does not exist: it will be created from bug_fix' % latest['branch'])
        proposed = bf_version
    elif latest['commit'] == bug_fix['commit']:
        info.append('latest_release identical to bug_fix at commit %s' % _short(latest['commit']))
        entry['proposed_version'] = entry['planned_version'] = bug_fix['version']
        entry['state'] = component_state(entry)
        return entry
    else:
        if not latest.get('version'):
            errors.append('latest_release branch %s has no readable version in %s' % (latest['branch'], entry['version_file']))
            entry['state'] = component_state(entry)
            return entry
        lr_version = Version(latest['version'])
        if lr_version > bf_version:
            errors.append('latest_release version %s is higher than bug_fix version %s' % (lr_version, bf_version))
            entry['state'] = component_state(entry)
            return entry
        proposed = bf_version.bump() if lr_version == bf_version else bf_version
        tag = component.tag_name(lr_version)
        entry['version_tag'] = {'name': tag, 'commit': tags.get(tag)}
        if tag in tags:
            if tags[tag] == latest['commit']:
                info.append('tag %s already points to latest_release (%s)' % (tag, _short(latest['commit'])))
            else:
                errors.append('tag %s already exists on commit %s, not on latest_release commit %s'
                              % (tag, _short(tags[tag]), _short(latest['commit'])))
        if facts.get('latest_release_in_bug_fix') is False:
            warnings.append('latest_release (%s) has commits that bug_fix (%s) lacks; after the release they stay '
                            'reachable only through tag %s' % (_short(latest['commit']), _short(bug_fix['commit']), tag))
    entry['proposed_version'] = str(proposed)
    planned = proposed
    manual = None
    if previous and previous.get('planned_version') != previous.get('proposed_version'):
        manual = previous.get('planned_version')
        same_versions = ((previous.get('bug_fix') or {}).get('version') == bug_fix['version']
                         and (previous.get('latest_release') or {}).get('version') == latest.get('version'))
        if not same_versions:
            info.append('planned_version %s set by hand was dropped: the versions of the branches changed since' % (manual,))
            manual = None
    if manual is not None:
        try:
            if not isinstance(manual, str):
                raise ValueError('it must be a quoted string, got %r' % (manual,))
            planned = Version(manual)
            info.append('planned_version %s set by hand (proposed %s)' % (planned, proposed))
        except ValueError as exc:
            errors.append('planned_version edited by hand: %s' % exc)
            planned = None
    if planned is not None:
        entry['planned_version'] = str(planned)
        if planned < bf_version:
            errors.append('planned_version %s is lower than bug_fix version %s' % (planned, bf_version))
        elif latest.get('version') and planned <= Version(latest['version']):
            errors.append('planned_version %s must be higher than latest_release version %s' % (planned, latest['version']))
        planned_tag = component.tag_name(planned)
        if planned_tag in tags:
            warnings.append('tag %s of the planned version already exists (commit %s)' % (planned_tag, _short(tags[planned_tag])))
        if not errors:
            info.append('Upgrade from version %s to version %s.' % (latest.get('version') or 'none', planned))
    entry['actions'] = derive_actions(entry)
    entry['state'] = component_state(entry)
    return entry


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
        return '%s: tag %s at latest_release commit %s and push it' % (where, action['tag'], _short(action['commit']))
    if kind == 'set_version':
        return '%s: commit version %s -> %s in %s on %s (parent %s) and push it' % (
            where, action['from_version'], action['version'], action['file'], action['branch'], _short(action['parent']))
    return '%s: %s branch %s at %s%s' % (
        where, 'move' if action.get('from_commit') else 'create', action['branch'], action['source'],
        ' (from %s)' % _short(action['from_commit']) if action.get('from_commit') else '')


# -------------------------------------------------------------------------------------- plan
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


def _yaml_text(data):
    return yaml.dump(data, Dumper=_YAML_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def _entry_text(project, name, entry):
    """The YAML of one component under ``projects:``, its project key on the first line."""
    return ''.join('  ' + line for line in _yaml_text({project: {name: entry}}).splitlines(True))


def dump_plan(plan, cache=None):
    """The plan file text: projects and components sorted, entry keys in schema order.

    Rendered component by component, so that ``cache`` ({(project, component): text}) spares a
    resumable apply, which saves the plan after every action, from rendering the whole plan each
    time; a caller changing an entry drops its key from the cache.
    """
    parts = [_yaml_text({'schema_version': plan.get('schema_version', SCHEMA_VERSION),
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
            where = '%s: projects.%s.%s' % (path, project, name)
            if not isinstance(entry, dict):
                raise ReleasePlanError('%s: expected a mapping' % where, file=path)
            for key in ('url', 'bug_fix', 'latest_release', 'actions'):
                if key not in entry:
                    raise ReleasePlanError('%s: missing key %s' % (where, key), file=path)
            for key in ('bug_fix', 'latest_release'):
                if not isinstance(entry[key], dict):
                    raise ReleasePlanError('%s.%s must be a mapping with branch, commit and version' % (where, key), file=path)
                value = entry[key].get('version')
                if value is not None and not isinstance(value, str):
                    raise ReleasePlanError('%s.%s.version must be a quoted string, got %r' % (where, key, value), file=path, value=value)
            for key in ('info', 'warnings', 'errors'):
                entry.setdefault(key, [])
                if not isinstance(entry[key], list):
                    raise ReleasePlanError('%s.%s must be a list' % (where, key), file=path)
            for key in ('planned_version', 'proposed_version'):
                value = entry.get(key)
                if value is not None:
                    if not isinstance(value, str):
                        raise ReleasePlanError('%s.%s must be a quoted string, got %r (write it as \'%s\')'
                                               % (where, key, value, value), file=path, value=value)
                    parse_version(value, '%s.%s' % (where, key))
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
    return data


def load_plan(path):
    if not os.path.exists(path):
        raise ReleasePlanError('plan_file %s does not exist; make it with command=create' % path, file=path)
    return validate_plan(_load_yaml_file(path, 'plan file'), path)


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def summarise(plan):
    """Number of components per state, every state listed."""
    counts = dict((state, 0) for state in STATES)
    for dummy, dummy2, entry in plan_entries(plan):
        state = component_state(entry)
        counts[state] = counts.get(state, 0) + 1
    return counts


# ----------------------------------------------------------------------------------- reports
def _branch_cell(info):
    if not info or not info.get('commit'):
        return '%s: absent' % ((info or {}).get('branch') or '?')
    return '%s %s (%s)' % (info.get('branch'), info.get('version') or '?', _short(info.get('commit')))


def _action_lines(entry):
    lines = []
    for action in entry.get('actions') or []:
        kind = action['action']
        if kind == 'tag':
            text = 'tag %s at %s' % (action['tag'], _short(action['commit']))
        elif kind == 'set_version':
            text = 'set %s to %s on %s' % (action['file'], action['version'], action['branch'])
        else:
            text = '%s %s at %s' % ('move' if action.get('from_commit') else 'create', action['branch'], action['source'])
        lines.append('[%s] %s' % (action['status'], text))
    return lines


def _message_lines(entry):
    return (['ERROR: %s' % m for m in entry.get('errors') or []] + ['WARNING: %s' % m for m in entry.get('warnings') or []]
            + list(entry.get('info') or []))


def render_html(plan, title='Release plan'):
    """A standalone HTML page: one coloured row per component (v2 colours), a legend and counts."""
    esc = html.escape
    counts = summarise(plan)
    rows = []
    for project, name, entry in plan_entries(plan):
        state = component_state(entry)
        cells = [esc(project), esc(name), esc(state), esc(_branch_cell(entry.get('latest_release'))),
                 esc(_branch_cell(entry.get('bug_fix'))), esc(entry.get('planned_version') or ''),
                 '<br>'.join(esc(line) for line in _action_lines(entry)),
                 '<br>'.join(esc(line) for line in _message_lines(entry))]
        rows.append('<tr class="%s" style="background-color: %s">%s</tr>'
                    % (state, STATE_COLOURS[state], ''.join('<td>%s</td>' % cell for cell in cells)))
    legend = ' '.join('<span style="background-color: %s; padding: 0 0.5em">%s: %d</span>' % (STATE_COLOURS[s], s, counts[s])
                      for s in STATES)
    return '\n'.join([
        '<!DOCTYPE html>',
        '<html><head><meta charset="utf-8"><title>%s</title>' % esc(title),
        '<style>table {border-collapse: collapse} td, th {border: 1px solid #607d8b; padding: 0.2em 0.5em; '
        'vertical-align: top; font-family: sans-serif; font-size: small}</style></head><body>',
        '<h1>%s</h1>' % esc(title),
        '<p>%s</p>' % legend,
        '<table><thead><tr><th>Project</th><th>Component</th><th>State</th><th>latest_release</th><th>bug_fix</th>'
        '<th>Planned version</th><th>Actions</th><th>Comments</th></tr></thead><tbody>',
    ] + rows + ['</tbody></table></body></html>', ''])


def _md_cell(text):
    return text.replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


def render_markdown(plan, title='Release plan'):
    """A Markdown page: counts per state and one table row per component."""
    counts = summarise(plan)
    lines = ['# %s' % title, '', ', '.join('%s: %d' % (s, counts[s]) for s in STATES), '',
             '| Project | Component | State | latest_release | bug_fix | Planned version | Actions | Comments |',
             '|---|---|---|---|---|---|---|---|']
    for project, name, entry in plan_entries(plan):
        cells = [project, name, component_state(entry), _branch_cell(entry.get('latest_release')),
                 _branch_cell(entry.get('bug_fix')), entry.get('planned_version') or '',
                 '<br>'.join(_action_lines(entry)), '<br>'.join(_message_lines(entry))]
        lines.append('| %s |' % ' | '.join(_md_cell(cell) for cell in cells))
    return '\n'.join(lines) + '\n'


# --------------------------------------------------------------------------------------- git
def git_environment(author_name=None, author_email=None):
    env = {'LC_ALL': 'C', 'GIT_TERMINAL_PROMPT': '0'}
    if author_name:
        env['GIT_AUTHOR_NAME'] = env['GIT_COMMITTER_NAME'] = author_name
    if author_email:
        env['GIT_AUTHOR_EMAIL'] = env['GIT_COMMITTER_EMAIL'] = author_email
    return env


def _git_error(exc):
    stderr = (getattr(exc, 'stderr', '') or '').strip()
    stderr = re.sub(r"^stderr: '?|'$", '', stderr, flags=re.MULTILINE).strip()
    # One line: git's advice lines after a fatal error add nothing to a task result.
    return ' '.join(line.strip() for line in stderr.splitlines() if line.strip()) or str(exc)


def parse_ls_remote(text):
    """``git ls-remote --symref`` output -> {head, heads: {branch: commit}, tags: {tag: commit}}.

    Annotated tags are given as the commit they point to (the ``^{}`` line).
    """
    head = None
    heads = {}
    tags = {}
    peeled = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith('ref: '):
            target, dummy, ref = line[5:].partition('\t')
            if ref == 'HEAD' and target.startswith('refs/heads/'):
                head = target[len('refs/heads/'):]
            continue
        commit, dummy, ref = line.partition('\t')
        if ref.startswith('refs/heads/'):
            heads[ref[len('refs/heads/'):]] = commit
        elif ref.startswith('refs/tags/'):
            name = ref[len('refs/tags/'):]
            if name.endswith('^{}'):
                peeled[name[:-3]] = commit
            else:
                tags[name] = commit
    tags.update(peeled)
    return {'head': head, 'heads': heads, 'tags': tags}


def ls_remote(url, env=None):
    """The branches, tags and default branch of remote ``url``."""
    try:
        output = git.cmd.Git().execute(['git', 'ls-remote', '--symref', url], env=dict(os.environ, **(env or {})))
    except git.GitCommandError as exc:
        raise ReleasePlanError('cannot read remote %s: %s' % (url, _git_error(exc)), url=url)
    return parse_ls_remote(output)


def default_branch(remote, url):
    """The remote's default branch: what its HEAD points to, else the only one of main/master."""
    if remote['head']:
        return remote['head']
    found = [name for name in ('main', 'master') if name in remote['heads']]
    if len(found) == 1:
        return found[0]
    raise ReleasePlanError('cannot tell the default branch of %s (its HEAD is not advertised and branches are %s); set bug_fix_branch'
                           % (url, ', '.join(sorted(remote['heads'])) or 'none'), url=url)


class LocalClone:
    """The working clone of one component under work_dir, used to read files at given commits,
    make the version-bump commits and tags, and push them."""

    def __init__(self, work_dir, name, url, env):
        self.path = os.path.join(work_dir, name)
        self.url = url
        self.name = name
        try:
            if os.path.isdir(os.path.join(self.path, '.git')):
                self.repo = git.Repo(self.path)
            elif not os.path.exists(self.path):
                # One process for init, remote and the first fetch.
                git.cmd.Git().execute(['git', 'clone', '--quiet', '--no-checkout', url, self.path],
                                      env=dict(os.environ, **env))
                self.repo = git.Repo(self.path)
            else:
                self.repo = git.Repo.init(self.path)
            self.repo.git.update_environment(**env)
            urls = [r.url for r in self.repo.remotes if r.name == 'origin']
            if not urls:
                self.repo.git.remote('add', 'origin', url)
            elif urls[0] != url:
                self.repo.git.remote('set-url', 'origin', url)
        except (git.GitCommandError, git.InvalidGitRepositoryError, git.NoSuchPathError, OSError) as exc:
            raise ReleasePlanError('%s: cannot prepare the working clone %s: %s' % (name, self.path, _git_error(exc)), path=self.path)

    def close(self):
        self.repo.close()

    def has_commit(self, commit):
        try:
            # Through the same persistent ``git cat-file --batch`` that later reads the version
            # files: one process per clone instead of two.
            self.repo.odb.stream(bytes.fromhex(commit)).read()
            return True
        except Exception:  # pylint: disable=broad-except  # gitdb and git raise various errors for a missing object
            return False

    def fetch(self, branches):
        refspecs = ['+refs/heads/%s:refs/remotes/origin/%s' % (b, b) for b in branches]
        try:
            self.repo.git.fetch('--quiet', '--no-tags', 'origin', *refspecs)
        except git.GitCommandError as exc:
            raise ReleasePlanError('%s: git fetch %s failed: %s' % (self.name, self.url, _git_error(exc)), url=self.url)

    def ensure_commits(self, commits_by_branch):
        """Fetch the branches whose commits are missing here; fail if they are still missing."""
        missing = dict((b, c) for b, c in commits_by_branch.items() if c and not self.has_commit(c))
        if missing:
            self.fetch(sorted(missing))
            still = [b for b, c in missing.items() if not self.has_commit(c)]
            if still:
                raise ReleasePlanError('%s: branch(es) %s of %s moved while being read; run again'
                                       % (self.name, ', '.join(still), self.url), url=self.url)

    def read(self, commit, path):
        """The text of ``path`` at ``commit`` (ReleasePlanError if absent)."""
        try:
            blob = self.repo.commit(commit).tree / path
            return blob.data_stream.read().decode('utf-8')
        except KeyError:
            raise ReleasePlanError('%s: %s does not exist at commit %s' % (self.name, path, _short(commit)), file=path)
        except UnicodeDecodeError:
            raise ReleasePlanError('%s: %s is not UTF-8 text' % (self.name, path), file=path)

    def candidates(self, commit):
        tree = self.repo.commit(commit).tree
        root = set()
        subdirs = {}
        for item in tree:
            root.add(item.name)
            if item.type == 'tree':
                subdirs[item.name] = set(child.name for child in item)
                if item.name == 'python':
                    for package in item.trees:
                        subdirs['python/' + package.name] = set(child.name for child in package)
        return version_file_candidates(root, subdirs)

    def is_ancestor(self, ancestor, descendant):
        try:
            return self.repo.is_ancestor(ancestor, descendant)
        except git.GitCommandError:
            return None

    def commit_info(self, commit):
        found = self.repo.commit(commit)
        return {'parents': [p.hexsha for p in found.parents], 'message': found.message}

    def push(self, refspec, *options):
        try:
            self.repo.git.push('--porcelain', 'origin', refspec, *options)
        except git.GitCommandError as exc:
            raise ReleasePlanError('%s: git push %s %s failed: %s' % (self.name, self.url, refspec, _git_error(exc)),
                                   url=self.url, refspec=refspec, stderr=_git_error(exc))

    def tag(self, name, commit, message):
        try:
            self.repo.git.tag('--force', '--annotate', '--message', message, name, commit)
        except git.GitCommandError as exc:
            raise ReleasePlanError('%s: git tag %s failed: %s' % (self.name, name, _git_error(exc)))

    def commit_version(self, parent, path, old, new, message):
        """Check out ``parent``, rewrite ``path`` from version ``old`` to ``new``, commit; the new commit."""
        try:
            self.repo.git.checkout('--quiet', '--force', '--detach', parent)
        except git.GitCommandError as exc:
            raise ReleasePlanError('%s: git checkout %s failed: %s' % (self.name, _short(parent), _git_error(exc)))
        full = os.path.join(self.path, path)
        with open(full) as handle:
            text = handle.read()
        found = read_version(path, text)
        if found != Version(old):
            raise ReleasePlanError('%s: %s holds version %s at %s, the plan says %s; run command=update'
                                   % (self.name, path, found, _short(parent), old), file=path)
        with open(full, 'w') as handle:
            handle.write(write_version(path, text, Version(new)))
        try:
            self.repo.git.commit('--quiet', '--no-verify', '--message', message, '--', path)
        except git.GitCommandError as exc:
            raise ReleasePlanError('%s: git commit failed: %s (set git_author_name and git_author_email)'
                                   % (self.name, _git_error(exc)))
        return self.repo.head.commit.hexsha


def inspect_component(component, work_dir, env):
    """Read what the rules need from the component's remote: branches, tags, versions, ancestry."""
    facts = {'url': component.url, 'default_branch': None, 'version_file': None, 'tags': {},
             'bug_fix': {'branch': component.bug_fix_branch, 'commit': None, 'version': None},
             'latest_release': {'branch': component.latest_release_branch, 'commit': None, 'version': None},
             'latest_release_in_bug_fix': None, 'errors': []}
    try:
        remote = ls_remote(component.url, env)
        facts['tags'] = remote['tags']
        if not component.bug_fix_branch:
            facts['default_branch'] = default_branch(remote, component.url)
            facts['bug_fix']['branch'] = facts['default_branch']
        bf_branch = facts['bug_fix']['branch']
        lr_branch = component.latest_release_branch
        bf_commit = remote['heads'].get(bf_branch)
        lr_commit = remote['heads'].get(lr_branch)
        if not bf_commit:
            raise ReleasePlanError('bug_fix branch %s does not exist in %s (branches: %s)'
                                   % (bf_branch, component.url, ', '.join(sorted(remote['heads'])) or 'none'))
        facts['bug_fix']['commit'] = bf_commit
        facts['latest_release']['commit'] = lr_commit
        clone = LocalClone(work_dir, component.name, component.url, env)
        try:
            clone.ensure_commits({bf_branch: bf_commit, lr_branch: lr_commit})
            if component.version_file:
                path = component.version_file
                facts['bug_fix']['version'] = str(read_version(path, clone.read(bf_commit, path)))
            else:
                path, version = detect_version_file(clone.candidates(bf_commit), lambda p: clone.read(bf_commit, p))
                facts['bug_fix']['version'] = str(version)
            facts['version_file'] = path
            if lr_commit and lr_commit != bf_commit:
                try:
                    facts['latest_release']['version'] = str(read_version(path, clone.read(lr_commit, path)))
                except ReleasePlanError:
                    dummy, version = detect_version_file(clone.candidates(lr_commit), lambda p: clone.read(lr_commit, p))
                    facts['latest_release']['version'] = str(version)
                facts['latest_release_in_bug_fix'] = clone.is_ancestor(lr_commit, bf_commit)
            elif lr_commit:
                facts['latest_release']['version'] = facts['bug_fix']['version']
        finally:
            clone.close()
    except ReleasePlanError as exc:
        facts['errors'].append(str(exc))
    return facts


# ------------------------------------------------------------------------------------- apply
class Applier:
    """Runs the pending actions of a plan against the remotes, saving the plan after each one."""

    def __init__(self, plan, plan_path, work_dir, env, check_mode=False, ignore_warnings=False, parallel=4):
        self.plan = plan
        self.plan_path = plan_path
        self.work_dir = work_dir
        self.env = env
        self.check_mode = check_mode
        self.ignore_warnings = ignore_warnings
        self.parallel = max(1, parallel)
        self.done = []        # what was done (or would be done, in check mode), in words
        self.adopted = []     # actions found already applied on the remote (an interrupted run)
        self.changed = False
        self.rendered = {}    # (project, component) -> its YAML in the plan file, see dump_plan
        self.lock = threading.Lock()

    def pending(self):
        return [(p, n, e) for p, n, e in plan_entries(self.plan)
                if e.get('state') != 'ignored' and any(a['status'] != 'done' for a in e.get('actions') or [])]

    def validate(self):
        """Errors always block; warnings block unless ignore_warnings; so do stale actions."""
        problems = []
        for project, name, entry in plan_entries(self.plan):
            if entry.get('state') == 'ignored':
                continue
            pending = any(a['status'] != 'done' for a in entry.get('actions') or [])
            for message in entry.get('errors') or []:
                problems.append('%s/%s: error: %s' % (project, name, message))
            if pending and not self.ignore_warnings:
                for message in entry.get('warnings') or []:
                    problems.append('%s/%s: warning: %s (set ignore_warnings to proceed)' % (project, name, message))
            if pending and not entry.get('errors') and not actions_match(entry):
                problems.append('%s/%s: its actions do not match its planned_version %s and recorded state; '
                                'run command=update for it' % (project, name, entry.get('planned_version')))
        if problems:
            raise ReleasePlanError('The plan cannot be applied: %s' % '; '.join(problems), problems=problems)

    def _remote_states(self, pending):
        def read(item):
            project, name, entry = item
            try:
                return name, ls_remote(entry['url'], self.env), None
            except ReleasePlanError as exc:
                return name, None, str(exc)
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return dict((name, (remote, error)) for name, remote, error in pool.map(read, pending))

    def _adopt_bump(self, name, entry, action, head):
        """Whether ``head`` of bug_fix is this plan's own bump commit (pushed by an interrupted run
        before it could save its status)."""
        clone = LocalClone(self.work_dir, name, entry['url'], self.env)
        try:
            clone.fetch([action['branch']])
            if not clone.has_commit(head):
                return False
            found = clone.commit_info(head)
            expected = BUMP_MESSAGE.format(old=action['from_version'], new=action['version'])
            return found['parents'] == [action['parent']] and found['message'].splitlines()[0] == expected
        finally:
            clone.close()

    def check_remotes(self, pending):
        """Compare each remote with the plan; adopt what an interrupted run pushed; refuse moved ones."""
        states = self._remote_states(pending)
        moved = []
        for project, name, entry in pending:
            remote, error = states[name]
            if error:
                raise ReleasePlanError('%s/%s: %s' % (project, name, error), component=name)
            heads, tags = remote['heads'], remote['tags']
            reasons = []
            bf_branch = entry['bug_fix']['branch']
            bf_expected = entry['bug_fix']['commit']
            set_version = None
            for action in entry['actions']:
                kind = action['action']
                if kind == 'tag':
                    now = tags.get(action['tag'])
                    if action['status'] == 'done':
                        continue
                    if now == action['commit']:
                        self._adopt(project, name, entry, action)
                    elif now:
                        reasons.append('tag %s: planned absent, now on %s' % (action['tag'], _short(now)))
                elif kind == 'set_version':
                    set_version = action
                    now = heads.get(action['branch'])
                    if action['status'] == 'done':
                        bf_expected = action['result_commit']
                        continue
                    if now != action['parent']:
                        if now and self._adopt_bump(name, entry, action, now):
                            action['result_commit'] = now
                            bf_expected = now
                            self._adopt(project, name, entry, action)
                        else:
                            reasons.append('branch %s: planned %s, now %s' % (action['branch'], _short(action['parent']), _short(now)))
                else:
                    now = heads.get(action['branch'])
                    if set_version is None:
                        target = entry['bug_fix']['commit']
                    else:  # the bump commit, known only once the bump is done
                        target = set_version['result_commit'] if set_version['status'] == 'done' else None
                    if action['status'] == 'done':
                        continue
                    if now == action.get('from_commit'):
                        pass
                    elif target and now == target:
                        action['result_commit'] = now
                        self._adopt(project, name, entry, action)
                    else:
                        reasons.append('branch %s: planned %s, now %s' % (action['branch'], _short(action.get('from_commit')), _short(now)))
            if not any(a['action'] == 'set_version' and a['status'] != 'done' for a in entry['actions']):
                if any(a['status'] != 'done' for a in entry['actions']) and heads.get(bf_branch) != bf_expected:
                    reasons.append('branch %s: planned %s, now %s' % (bf_branch, _short(bf_expected), _short(heads.get(bf_branch))))
            if reasons:
                moved.append('%s (%s)' % (name, '; '.join(sorted(set(reasons)))))
        if moved:
            raise ReleasePlanError('The remotes of %d component(s) moved since the plan was made: %s. Run command=update for them.'
                                   % (len(moved), ', '.join(moved)),
                                   moved=[m.split(' ', 1)[0] for m in moved])

    def _adopt(self, project, name, entry, action):
        self.adopted.append('%s/%s: %s found already applied on the remote' % (project, name, action['action']))
        action['status'] = 'done'
        entry['state'] = component_state(entry)
        self.changed = True
        self.rendered.pop((project, name), None)
        self.save()

    def save(self):
        if self.check_mode:
            return
        try:
            atomic_write(self.plan_path, dump_plan(self.plan, self.rendered))
        except OSError as exc:
            raise ReleasePlanError('cannot write plan_file %s: %s' % (self.plan_path, exc.strerror), file=self.plan_path)

    def run(self):
        self.validate()
        pending = self.pending()
        if not pending:
            return
        self.check_remotes(pending)
        if self.check_mode:
            # The dry run: every action listed, marked done in memory only (for the diff).
            for project, name, entry in self.pending():
                for action in entry['actions']:
                    if action['status'] != 'done':
                        self.done.append('would %s' % describe_action(project, name, action))
                        action['status'] = 'done'
                entry['state'] = component_state(entry)
            return
        # Components are independent: several are released at once, each in its action order.
        # The plan is changed and saved under a lock, so that each save holds whole actions.
        todo = self.pending()
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            outcomes = list(pool.map(self._apply_one, todo))
        failures = []
        for done, error in outcomes:
            self.done.extend(done)
            if error is not None:
                failures.append(error)
        if len(failures) == 1:
            raise failures[0]
        if failures:
            raise ReleasePlanError('%d components failed: %s' % (len(failures), '; '.join(str(f) for f in failures)),
                                   failures=[str(f) for f in failures])

    def _apply_one(self, item):
        project, name, entry = item
        done = []
        try:
            clone = LocalClone(self.work_dir, name, entry['url'], self.env)
            try:
                self._apply_component(project, name, entry, clone, done)
            finally:
                clone.close()
        except ReleasePlanError as exc:
            return done, exc
        except OSError as exc:
            return done, ReleasePlanError('%s: %s' % (name, exc))
        return done, None

    def _apply_component(self, project, name, entry, clone, done):
        latest = entry['latest_release']
        clone.ensure_commits({entry['bug_fix']['branch']: entry['bug_fix']['commit'], latest['branch']: latest.get('commit')})
        target = entry['bug_fix']['commit']
        for action in entry['actions']:
            kind = action['action']
            if kind == 'set_version' and action['status'] == 'done':
                target = action['result_commit']
            if action['status'] == 'done':
                continue
            result = None
            if kind == 'tag':
                clone.tag(action['tag'], action['commit'], 'Release %s' % action['tag'])
                clone.push('refs/tags/%s:refs/tags/%s' % (action['tag'], action['tag']))
            elif kind == 'set_version':
                message = BUMP_MESSAGE.format(old=action['from_version'], new=action['version'])
                result = clone.commit_version(action['parent'], action['file'], action['from_version'], action['version'],
                                              message + '\n\nMade by casa.distro.casa_release_plan.\n')
                clone.push('%s:refs/heads/%s' % (result, action['branch']))
                target = result
            else:
                lease = '--force-with-lease=refs/heads/%s:%s' % (action['branch'], action.get('from_commit') or '')
                clone.push('%s:refs/heads/%s' % (target, action['branch']), lease)
                result = target
            with self.lock:
                if result is not None:
                    action['result_commit'] = result
                action['status'] = 'done'
                entry['state'] = component_state(entry)
                self.changed = True
                self.rendered.pop((project, name), None)
                self.save()
            done.append(describe_action(project, name, action))


# ------------------------------------------------------------------------------------ runner
class ReleasePlanManager:
    """Carries out one casa_release_plan task; ``params`` are the module parameters."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.plan_path = params['plan_file']
        self.work_dir = os.path.expanduser(params.get('work_dir') or '~/.cache/casa_distro/release_plan')
        self.env = git_environment(params.get('git_author_name'), params.get('git_author_email'))
        self.parallel = params.get('parallel') or 4
        self.actions = []
        self.changed = False
        self.diff = None
        self.plan = None
        self.reports = {}

    def run(self):
        command = self.params['command']
        if command in ('create', 'update'):
            self.make_plan(update=command == 'update')
        elif command == 'publish':
            self.publish()
        else:
            self.apply()
        return self.summary()

    def summary(self):
        result = {'changed': self.changed, 'actions': list(self.actions), 'plan_file': self.plan_path}
        if self.plan is not None:
            result['plan'] = sorted_plan(self.plan)
            result['summary'] = summarise(self.plan)
        if self.reports:
            result['reports'] = dict(self.reports)
        if self.diff is not None:
            result['diff'] = self.diff
        return result

    def _write_plan(self, before):
        after = dump_plan(self.plan)
        if before != after:
            self.changed = True
            self.diff = {'before': before or '', 'after': after, 'before_header': self.plan_path, 'after_header': self.plan_path}
            if not self.check_mode:
                try:
                    atomic_write(self.plan_path, after)
                except OSError as exc:
                    raise ReleasePlanError('cannot write plan_file %s: %s' % (self.plan_path, exc.strerror), file=self.plan_path)

    def make_plan(self, update):
        if not self.params.get('components_file'):
            raise ReleasePlanError('command=%s needs components_file' % self.params['command'])
        components = load_components(self.params['components_file'])
        selected = select_components(components, self.params.get('components'))
        decisions = load_decisions(self.params.get('decisions_file'))
        before = read_text(self.plan_path)
        if update:
            self.plan = load_plan(self.plan_path)
        else:
            self.plan = new_plan()
        previous = dict((name, entry) for dummy, name, entry in plan_entries(self.plan))
        to_inspect = [c for c in selected if not decisions.ignores(c)]
        os.makedirs(self.work_dir, exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            facts = dict(zip([c.name for c in to_inspect],
                             pool.map(lambda c: inspect_component(c, self.work_dir, self.env), to_inspect)))
        for component in selected:
            if decisions.ignores(component):
                entry = ignored_entry(component)
            else:
                entry = evaluate(component, facts[component.name], previous.get(component.name) if update else None)
            set_entry(self.plan, component.project, component.name, entry)
            self.actions.append('%s/%s: %s' % (component.project, component.name, entry['state']))
        self._write_plan(before)

    def publish(self):
        self.plan = load_plan(self.plan_path)
        targets = [('html', self.params.get('html_report'), render_html), ('markdown', self.params.get('markdown_report'), render_markdown)]
        if not any(path for dummy, path, dummy2 in targets):
            raise ReleasePlanError('command=publish needs html_report or markdown_report')
        title = self.params.get('title') or 'Release plan'
        for kind, path, render in targets:
            if not path:
                continue
            text = render(self.plan, title)
            self.reports[kind] = path
            if read_text(path) != text:
                self.changed = True
                self.actions.append('%s %s report %s' % ('would write' if self.check_mode else 'wrote', kind, path))
                if not self.check_mode:
                    try:
                        atomic_write(path, text)
                    except OSError as exc:
                        raise ReleasePlanError('cannot write %s report %s: %s' % (kind, path, exc.strerror), file=path)

    def apply(self):
        before = read_text(self.plan_path)
        self.plan = load_plan(self.plan_path)
        os.makedirs(self.work_dir, exist_ok=True)
        applier = Applier(self.plan, self.plan_path, self.work_dir, self.env, self.check_mode,
                          self.params.get('ignore_warnings'), self.parallel)
        try:
            applier.run()
        finally:
            self.actions = applier.adopted + applier.done
            self.changed = applier.changed or (self.check_mode and bool(applier.done))
            after = dump_plan(self.plan)
            if before != after or self.check_mode and applier.done:
                self.diff = {'before': before or '', 'after': after, 'before_header': self.plan_path, 'after_header': self.plan_path}
