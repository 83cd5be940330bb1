# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one version type: release plans (version files, planned versions) and subuser version
constraints.

A version is dotted numbers compared numerically (1.10 > 1.9; trailing zeros do not count:
1.2 == 1.2.0), then an optional suffix. A pre-release suffix sorts before the same numbers
without it, and pre-releases are ordered by their suffix (rc2 < rc10, dev < rc).

Two grammars, one per kind of input:

- ``Version(text)`` / ``parse_version(text, where)``, strict (release plans): an optional ``v``,
  the numbers, then a suffix starting with a letter after an optional ``-``, ``.``, ``_`` or
  ``+``; every suffix is a pre-release (``1.2.3rc1``, ``1.2.3-beta``).
- ``Version.loose(text, where)`` (subuser versions, e.g. ``0.6.2-dev-<hash>``): anything may
  follow the numbers; a suffix starting with a pre-release word (alpha, beta, preview, pre, rc,
  a, b, c) is a pre-release, any other (``+local``, ``.post1``) is ignored, as in PEP 440. A
  ``dev`` suffix is a development build made after its release, as subuser writes them
  (``0.6.2-dev-<git hash>``): it sorts above its release and below the next one.

Bad input raises VersionError, an InputError (and a ValueError) naming ``where`` and the value.
"""

from __future__ import annotations

import functools
import re

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

OPERATORS = ('<', '<=', '==', '>=', '>')

_STRICT_RE = re.compile(r'^v?(\d+(?:\.\d+)*)([-.+_]?[A-Za-z][0-9A-Za-z.+_-]*)?$')
_LOOSE_RE = re.compile(r'^\s*v?(\d+(?:\.\d+)*)(.*?)\s*$')
_PRERELEASE_RE = re.compile(r'^[-._]?(alpha|beta|preview|pre|rc|a|b|c)(?![a-z])', re.IGNORECASE)
# subuser's development builds, e.g. 0.6.2-dev-3f2a1c0-dirty: made from git after the release.
_DEV_BUILD_RE = re.compile(r'^[-._]?dev(?![a-z])', re.IGNORECASE)


class VersionError(InputError, ValueError):
    """A value is not a version; a ValueError too, for callers that catch that."""


def _prefixed(where, text):
    return '%s: %s' % (where, text) if where else text


@functools.total_ordering
class Version:
    """A dotted version number with an optional pre-release suffix (see the module docstring)."""

    def __init__(self, text, where=None):
        if not isinstance(text, str):
            raise VersionError(_prefixed(where, 'a version must be a string, got %r' % (text,)), value=text)
        match = _STRICT_RE.match(text.strip())
        if not match:
            raise VersionError(_prefixed(where, '%r is not a version number (expected digits separated by dots, '
                                                'like 1.2.3)' % (text,)), value=text)
        self.text = text.strip()
        self.numbers = tuple(int(part) for part in match.group(1).split('.'))
        self.suffix = (match.group(2) or '').lstrip('-._+')
        self.dev_build = False

    @classmethod
    def loose(cls, text, where='version'):
        """A version as subuser writes them: any suffix, only pre-release words count."""
        if not isinstance(text, str):
            raise VersionError('%s: version %r is not a string' % (where, text), value=text)
        match = _LOOSE_RE.match(text)
        if not match:
            raise VersionError('%s: %r is not a version (expected numbers separated by dots, '
                               'like 0.6.2)' % (where, text), value=text)
        version = cls.__new__(cls)
        version.text = text.strip()
        version.numbers = tuple(int(part) for part in match.group(1).split('.'))
        suffix = match.group(2)
        version.dev_build = bool(_DEV_BUILD_RE.match(suffix))
        version.suffix = suffix.lstrip('-._+') if version.dev_build or _PRERELEASE_RE.match(suffix) else ''
        return version

    @property
    def is_prerelease(self):
        return bool(self.suffix) and not self.dev_build

    def _key(self):
        numbers = list(self.numbers)
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        suffix = tuple((0, int(part), '') if part.isdigit() else (1, 0, part)
                       for part in re.findall(r'\d+|[A-Za-z]+', self.suffix))
        # pre-release < release < development build of that release (loose grammar only)
        rank = 2 if self.dev_build else 0 if self.suffix else 1
        return (tuple(numbers), rank, suffix)

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
    """A strict Version from ``value``; VersionError naming ``where`` (file and key) and the value."""
    return Version(value, where)


def compare_versions(left, operator, right, where='version'):
    """Whether ``left operator right`` holds, both read as loose versions (subuser constraints)."""
    a = Version.loose(left, where)
    b = Version.loose(right, where)
    if operator not in OPERATORS:
        raise VersionError('%s: "%s" is not a valid operator (valid: %s)' % (where, operator, ', '.join(OPERATORS)),
                           value=operator)
    return {'<': a < b, '<=': a <= b, '==': a == b, '>=': a >= b, '>': a > b}[operator]
