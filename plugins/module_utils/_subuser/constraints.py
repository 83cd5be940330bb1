# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``subuser-version-constraints`` of .subuser.json: ``[operator, version, ref]`` entries, the
first one the subuser version satisfies picking the ref. Versions compare numerically through
the collection's one version type (``0.10`` > ``0.6``)."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils import _versions
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, show

OPERATORS = _versions.OPERATORS


def parse_version(text, where='version'):
    """A subuser version (any suffix; pre-release words sort before the release)."""
    try:
        return _versions.Version.loose(text, where)
    except _versions.VersionError as exc:
        raise SubuserError(exc.msg)


def compare_versions(left, operator, right, where='version'):
    """Whether ``left operator right`` holds."""
    try:
        return _versions.compare_versions(left, operator, right, where)
    except _versions.VersionError as exc:
        raise SubuserError(exc.msg)


def _check_entry(entry, at):
    if not isinstance(entry, list) or len(entry) != 3 or not all(isinstance(x, str) for x in entry):
        raise SubuserError('%s is %s; expected a list of three strings [operator, version, '
                           'branch, tag or commit], e.g. [">=", "0.6", "subuser-0.6"]'
                           % (at, show(entry)))
    operator, version, ref = entry
    if operator not in OPERATORS:
        raise SubuserError('%s: "%s" is not a valid operator (valid: %s)'
                           % (at, operator, ', '.join(OPERATORS)))
    parse_version(version, at)
    if not ref.strip():
        raise SubuserError('%s: empty ref' % at)
    return operator, version, ref


def validate_constraints(constraints, where):
    """Check the shape of subuser-version-constraints; returns it as a list of 3-tuples."""
    if not isinstance(constraints, list):
        raise SubuserError('%s: "subuser-version-constraints" must be a list of '
                           '[operator, version, ref] lists, not %s' % (where, show(constraints)))
    return [_check_entry(entry, '%s: subuser-version-constraints[%d]' % (where, index))
            for index, entry in enumerate(constraints)]


def select_constraint(constraints, subuser_version, where):
    """The ref of the first constraint the version satisfies: (ref, index, entry).

    No match is an error, as in subuser (it never falls back silently).
    """
    checked = validate_constraints(constraints, where)
    for index, (operator, version, ref) in enumerate(checked):
        if compare_versions(subuser_version, operator, version, where):
            return ref, index, [operator, version, ref]
    raise SubuserError('%s: no subuser-version-constraints entry matches subuser version %s '
                       '(entries: %s)' % (where, subuser_version, show(constraints)),
                       subuser_version=subuser_version)
