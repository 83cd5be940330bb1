# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Version files: which file of a tree holds the version (detect), what version its text holds
(read), and its text with another version (write). Pure text work, no git."""

from __future__ import annotations

import re

from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.schema_nodes import version_problem
from ansible_collections.casa.distro.plugins.module_utils._schema import SHOWN_CHARS, show
from ansible_collections.casa.distro.plugins.module_utils._versions import Version

_CMAKE_PARTS = ('MAJOR', 'MINOR', 'PATCH')
_PY_PARTS = ('version_major', 'version_minor', 'version_micro')


def parse_version(value, where):
    """A Version from ``value``, or a ReleasePlanError naming ``where`` (file and key); huge or
    long values are refused with a short message, not echoed whole."""
    problem = version_problem(value) if isinstance(value, str) else 'a version must be a string, got %s' % show(value)
    if problem:
        raise ReleasePlanError('%s: %s' % (where, problem), value=value if isinstance(value, str) and len(value) <= SHOWN_CHARS else show(value))
    return Version(value)


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


def _read_numbers(path, text, names, make, line_of):
    """The version made of the numbers found by ``make(name)`` for each of ``names``."""
    numbers = []
    for name in names:
        match = make(name).search(text)
        if not match:
            raise ReleasePlanError('%s: no %s line' % (path, line_of(name)), file=path)
        numbers.append(match.group(2))
    return parse_version('.'.join(numbers), path)


def read_version(path, text):
    """The Version held by the text of version file ``path``; ReleasePlanError names the file
    and the missing or bad key."""
    kind = version_file_kind(path)
    if kind == 'cmake':
        return _read_numbers(path, text, _CMAKE_PARTS, _cmake_re, lambda part: 'set(BRAINVISA_PACKAGE_VERSION_%s <number>)' % part)
    if kind == 'info_py':
        return _read_numbers(path, text, _PY_PARTS, _py_re, lambda name: '"%s = <number>"' % name)
    if kind == 'pyproject':
        found = _pyproject_version_line(text)
        if found is None:
            raise ReleasePlanError('%s: no static version = "..." in [project] or [tool.poetry]' % path, file=path)
        return parse_version(found[2], '%s: key version' % path)
    value = text.strip()
    if not value or '\n' in value:
        raise ReleasePlanError('%s: expected a single version number, got %s' % (path, show(text)), file=path)
    return parse_version(value, path)


def _write_numbers(path, text, kind, version):
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


def _write_pyproject(path, text, version):
    found = _pyproject_version_line(text)
    if found is None:
        raise ReleasePlanError('%s: no static version = "..." to rewrite' % path, file=path)
    lines = text.splitlines(True)
    index = found[0]
    lines[index] = re.sub(r'^(\s*version\s*=\s*)(["\'])([^"\']*)\2',
                          lambda match: '%s%s%s%s' % (match.group(1), match.group(2), version, match.group(2)),
                          lines[index], count=1)
    return ''.join(lines)


def write_version(path, text, version):
    """The text of version file ``path`` with its version set to ``version`` (a Version);
    everything else (comments, spacing, quotes) is kept."""
    kind = version_file_kind(path)
    if kind in ('cmake', 'info_py'):
        return _write_numbers(path, text, kind, version)
    if kind == 'pyproject':
        return _write_pyproject(path, text, version)
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
