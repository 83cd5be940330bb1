# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Schema nodes (see _schema) for the release plan files: an optional value that keeps the
detailed message of its schema, versions, git ref names and commit ids."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils import _schema as schema
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._git.arguments import validate_ref
from ansible_collections.casa.distro.plugins.module_utils._versions import Version

# A version part longer than this is refused before Python converts it (its digit limit is 4300).
MAX_VERSION_DIGITS = 18
COMMIT_PATTERN = r'[0-9a-f]{40}(?:[0-9a-f]{24})?'


class Nullable(schema.Node):
    """null, or a value of ``node``, whose own message is kept (OneOf would only say both kinds)."""

    def __init__(self, node):
        self.node = node

    def describe(self):
        return '%s or null' % self.node.describe()

    def check_at(self, value, path, fail):
        return None if value is None else self.node.check_at(value, path, fail)


def version_problem(text):
    """Why the string ``text`` is not a version, or None."""
    if any(len(part) > MAX_VERSION_DIGITS for part in text.replace('-', '.').split('.')):
        return '%s is not a version number (a part has more than %d digits)' % (schema.show(text), MAX_VERSION_DIGITS)
    try:
        Version(text)
    except ValueError as exc:
        return str(exc) if len(text) <= schema.SHOWN_CHARS else '%s is not a version number' % schema.show(text)
    return None


class VersionText(schema.Node):
    """A version written as a quoted string (1.10 unquoted is the number 1.1)."""

    def describe(self):
        return 'a version as a quoted string'

    def check_at(self, value, path, fail):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return fail(path, "expected a quoted string, got a number %s (write it as '%s')" % (schema.show(value), schema.show(value)))
        if not isinstance(value, str):
            return self._mismatch(value, path, fail)
        problem = version_problem(value)
        return fail(path, problem) if problem else value


class RefName(schema.Node):
    """A branch or tag name git accepts (no leading ``-``: it would be read as an option)."""

    def __init__(self, kind='branch'):
        self.kind = kind

    def describe(self):
        return 'a git %s name' % self.kind

    def check_at(self, value, path, fail):
        if not isinstance(value, str):
            return self._mismatch(value, path, fail)
        try:
            validate_ref(value, 'value', self.kind)
        except InputError as exc:
            return fail(path, 'expected %s, got %s (%s)' % (self.describe(), schema.show(value), exc.msg.rsplit('(', 1)[-1].rstrip(')')))
        return value


COMMIT = schema.Str(pattern=COMMIT_PATTERN, what='a full commit id (40 hexadecimal digits)')
