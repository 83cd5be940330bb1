# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""permissions.json of subuser image sources: schema, validation and permission level.

Pure logic, no Docker and no Ansible: importable and tested on its own.

The schema is the one subuser 0.6.2 loads (docs/subuser-standard, permissions-dot-json), with
exact types (``1`` is not a bool, ``2`` is not a float). Where subuser is silent or lenient the
validation here says so instead: unknown keys and sub-keys are warned about, the deprecated
top-level ``stateful-home``/``inherit-locale``/``inherit-timezone`` (which subuser 0.6.2 silently
ignores) are warned about, and an empty ``executable`` is warned about (subuser issue #90).
"""

from __future__ import annotations

import math

from ansible_collections.casa.distro.plugins.module_utils import _schema
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import show

LEVELS = ('conservative', 'moderate', 'liberal', 'anarchistic')

# Type words, as in the messages of subuser.
_STRING = 'string'
_NULL = 'null'
_BOOL = 'bool'
_FLOAT = 'floating point number'
_STRING_LIST = 'list of strings'
_STRING_DICT = 'object mapping strings to strings'
_ENTRYPOINTS = 'object mapping names to a string or a list of strings'
_OBJECT = 'object of sub-permissions'

BASIC_COMMON_SUBKEYS = {'stateful-home': (_BOOL,), 'inherit-locale': (_BOOL,), 'inherit-timezone': (_BOOL,)}
GUI_SUBKEYS = {'clipboard': (_BOOL,), 'system-tray': (_BOOL,), 'cursors': (_BOOL,),
               'border-color': (_STRING, _NULL)}

# key -> (level or None for the prelude, accepted types, default)
SCHEMA = {
    'description': (None, (_STRING,), ''),
    'maintainer': (None, (_STRING,), ''),
    'executable': (None, (_NULL, _STRING, _STRING_LIST), None),
    'entrypoints': (None, (_NULL, _ENTRYPOINTS), None),
    'basic-common-permissions': ('conservative', (_BOOL, _OBJECT), False),
    'memory-limit': ('conservative', (_NULL, _STRING), None),
    'max-cpus': ('conservative', (_NULL, _FLOAT), None),
    'gui': ('moderate', (_BOOL, _OBJECT), False),
    'user-dirs': ('moderate', (_STRING_LIST,), []),
    'inherit-envvars': ('moderate', (_STRING_LIST,), []),
    'pulseaudio': ('moderate', (_BOOL,), False),
    'sound-card': ('moderate', (_BOOL,), False),
    'webcam': ('moderate', (_BOOL,), False),
    'access-working-directory': ('moderate', (_BOOL,), False),
    'allow-network-access': ('moderate', (_BOOL,), False),
    'x11': ('liberal', (_BOOL,), False),
    'system-dirs': ('liberal', (_STRING_DICT,), {}),
    'graphics-card': ('liberal', (_BOOL,), False),
    'serial-devices': ('liberal', (_BOOL,), False),
    'system-dbus': ('liberal', (_BOOL,), False),
    'sudo': ('liberal', (_BOOL,), False),
    'as-root': ('liberal', (_BOOL,), False),
    'privileged': ('anarchistic', (_BOOL,), False),
    'run-commands-on-host': ('anarchistic', (_BOOL,), False),
}

SUBKEYS = {'basic-common-permissions': BASIC_COMMON_SUBKEYS, 'gui': GUI_SUBKEYS}
DEPRECATED_TOP_LEVEL = ('stateful-home', 'inherit-locale', 'inherit-timezone')
OBSOLETE = ('last-update-time', 'dependency', 'inherit-working-directory')


# The shape of each type word, as _schema nodes: exact types as in subuser (1 is not a bool,
# and neither an int nor a bool is a float: "floating point number" is checked apart, since
# _schema.Float also takes integers).
_NODES = {
    _STRING: _schema.Str(),
    _NULL: _schema.Null(),
    _BOOL: _schema.Bool(),
    _STRING_LIST: _schema.ListOf(_schema.Str()),
    _STRING_DICT: _schema.MapOf(_schema.Str()),
    _ENTRYPOINTS: _schema.MapOf(_schema.OneOf(_schema.Str(), _schema.ListOf(_schema.Str()))),
    _OBJECT: _schema.MapOf(_schema.Anything()),
}


def _refuse(_path, problem):
    raise _schema.SchemaError(problem)


def _matches(value, type_word):
    if type_word == _FLOAT:  # JSON's NaN and Infinity are no number of CPUs
        return isinstance(value, float) and math.isfinite(value)
    try:
        _NODES[type_word].check_at(value, [], _refuse)
    except _schema.SchemaError:
        return False
    return True


def _show_value(value):
    return show(value, 80)


def _expected(types):
    return ' or '.join(types)


class PermissionsReport:
    """The outcome of validating one permissions.json: errors, warnings and the level."""

    def __init__(self, source):
        self.source = source
        self.errors = []
        self.warnings = []
        self.granted = {}
        self.level = None
        self.executable = None  # null, a path or a list of paths; None also when invalid

    @property
    def valid(self):
        return not self.errors

    def as_dict(self):
        return {
            'valid': self.valid,
            'level': self.level,
            'granted': dict(self.granted),
            'errors': list(self.errors),
            'warnings': list(self.warnings),
        }


def validate(data, source='permissions.json'):
    """Validate the parsed content of a permissions.json. Returns a PermissionsReport.

    ``source`` names the file in messages. The level is that of the most powerful permission
    granted (a value other than the default): a source granting nothing is conservative.
    """
    report = PermissionsReport(source)
    if not isinstance(data, dict):
        report.errors.append('%s: must be a JSON object of permissions, not %s'
                             % (source, _json_type(data)))
        return report
    for key, value in data.items():
        _check_key(report, key, value)
    if _truthy(data.get('x11')) and _truthy(data.get('gui')):
        report.errors.append('%s: "x11" and "gui" are mutually exclusive; gui gives safer X11 '
                             'access through xpra, x11 gives direct access' % source)
    report.level = permission_level(report.granted)
    return report


def _unknown_key_warning(source, key):
    if key in DEPRECATED_TOP_LEVEL:
        return ('%s: top-level "%s" is deprecated and ignored by subuser 0.6.2; set it '
                'under "basic-common-permissions" instead' % (source, key))
    if key in OBSOLETE:
        return '%s: "%s" is no longer supported by subuser and is ignored' % (source, key)
    return '%s: unknown permission "%s" is ignored (known: %s)' % (source, key, ', '.join(sorted(SCHEMA)))


def _check_key(report, key, value):
    """Check one top-level permission; record it as granted when it asks for something."""
    if key not in SCHEMA:
        report.warnings.append(_unknown_key_warning(report.source, key))
        return
    level, types, default = SCHEMA[key]
    if not any(_matches(value, word) for word in types):
        report.errors.append('%s: permission "%s" is %s; expected %s'
                             % (report.source, key, _show_value(value), _expected(types)))
        return
    if key in SUBKEYS and isinstance(value, dict):
        _check_subkeys(report, key, value)
    if key == 'user-dirs':
        _check_user_dirs(report, value)
    if key == 'executable':
        _check_executable(report, value)
        report.executable = value
    if level is not None and _is_granted(value, default):
        report.granted[key] = value


def _check_subkeys(report, key, value):
    allowed = SUBKEYS[key]
    for subkey, subvalue in value.items():
        if subkey not in allowed:
            report.warnings.append('%s: unknown sub-permission "%s.%s" is ignored (known: %s)'
                                   % (report.source, key, subkey, ', '.join(sorted(allowed))))
            continue
        types = allowed[subkey]
        if not any(_matches(subvalue, word) for word in types):
            report.errors.append('%s: permission "%s.%s" is %s; expected %s'
                                 % (report.source, key, subkey, _show_value(subvalue), _expected(types)))


def _check_user_dirs(report, value):
    for entry in value:
        if '..' in entry or entry.startswith('./'):
            report.errors.append(
                '%s: "user-dirs" entry "%s" is forbidden: user dirs are plain paths relative to '
                'the home directory, without ".." or "./"' % (report.source, entry))
        elif entry.startswith('/'):
            report.errors.append(
                '%s: "user-dirs" entry "%s" is forbidden: user dirs may not be system-wide '
                'absolute paths (use "system-dirs")' % (report.source, entry))
        elif not entry:
            report.errors.append('%s: "user-dirs" has an empty entry' % report.source)


def _check_executable(report, value):
    paths = value if isinstance(value, list) else [value] if value is not None else []
    if value == '' or value == []:
        report.warnings.append(
            '%s: "executable" is empty; leave it out (or null) for a library image source'
            % report.source)
        return
    for path in paths:
        if not path.startswith('/'):
            report.warnings.append('%s: "executable" %s should be an absolute path inside the image'
                                   % (report.source, _show_value(path)))


def _truthy(value):
    return bool(value)


def _is_granted(value, default):
    """A permission counts when it differs from its default and asks for something."""
    if value == default:
        return False
    return _truthy(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else True


def permission_level(granted):
    """The level of the most powerful granted permission (conservative when none is)."""
    best = 0
    for key in granted:
        level = SCHEMA[key][0]
        if level is not None:
            best = max(best, LEVELS.index(level))
    return LEVELS[best]


def _json_type(value):
    if isinstance(value, list):
        return 'an array'
    if isinstance(value, str):
        return 'a string'
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    return 'a number'
