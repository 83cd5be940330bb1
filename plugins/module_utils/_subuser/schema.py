# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The declared shapes of .subuser.json and of its explicit-image-sources entries, checked with
the collection's one schema mechanism (_schema) before any logic reads them (permissions.json
types are _schema nodes too, in permissions.py, which keeps subuser's per-key messages).

Only shapes live here; what the values mean (paths inside the repository, operators) is checked
where they are used.
"""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils import _schema as s
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError

RELATIVE_PATH = s.Str(empty=False, what='a non-empty path relative to the repository root')


class _ConstraintEntry(s.ListOf):
    """One [operator, version, ref] entry; its arity and operator are checked by constraints.py,
    which keeps subuser's wording."""

    def describe(self):
        return 'an [operator, version, ref] list'


CONSTRAINTS = s.ListOf(_ConstraintEntry(s.Str()))

# The keys subuser reads; others are kept (and warned about) since subuser ignores them too.
# A null value counts as absent (subuser reads them with .get()).
SUBUSER_JSON_SCHEMA = s.Record({
    'image-sources-dir': s.Str(what='a string (a path relative to the repository root)'),
    'explicit-image-sources': s.MapOf(s.Anything(), key=s.Str(empty=False, what='an image source name')),
    'subuser-version-constraints': CONSTRAINTS,
}, extra='allow', what='a JSON object')

# All three keys are needed; a missing one is reported against the source (not the repository).
EXPLICIT_SOURCE_SCHEMA = s.Record({
    'image-file': RELATIVE_PATH,
    'build-context': RELATIVE_PATH,
    'permissions-file': RELATIVE_PATH,
}, extra='allow', what='an object with image-file, build-context and permissions-file')


def checked(schema, value, where):
    """``value`` checked against ``schema``; a SubuserError naming ``where`` and the key path."""
    try:
        return s.check(schema, value, where)
    except s.SchemaError as exc:
        raise SubuserError(exc.msg, **exc.details)
