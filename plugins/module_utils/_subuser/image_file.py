# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SubuserImagefile: its FROM-SUBUSER-IMAGE directive, parsed tolerantly, and the Dockerfile
rendered from it for Docker."""

from __future__ import annotations

import re

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError

FROM_SUBUSER_RE = re.compile(r'^\s*FROM-SUBUSER-IMAGE(?:[ \t]+(.*?))?\s*$', re.IGNORECASE)
FROM_SUBUSER_PREFIX_RE = re.compile(r'^\s*FROM-SUBUSER-IMAGE', re.IGNORECASE)


def _directive_argument(line, number, where):
    """The identifier of one FROM-SUBUSER-IMAGE line."""
    match = FROM_SUBUSER_RE.match(line)
    if not match:  # e.g. FROM-SUBUSER-IMAGEfoo
        raise SubuserError('%s:%d: cannot parse %r: expected FROM-SUBUSER-IMAGE <identifier>'
                           % (where, number, line.strip()))
    argument = (match.group(1) or '').strip()
    if not argument:
        raise SubuserError('%s:%d: FROM-SUBUSER-IMAGE needs an image source identifier'
                           % (where, number))
    if len(argument.split()) > 1:
        raise SubuserError('%s:%d: FROM-SUBUSER-IMAGE takes one identifier, got %r'
                           % (where, number, argument))
    return argument


def parse_image_file(text, where):
    """The FROM-SUBUSER-IMAGE argument of a SubuserImagefile: (argument or None, 1-based line).

    Tolerant of spacing, tabs, CRLF line ends, a byte-order mark and letter case. A directive
    without argument, or more than one directive, is an error.
    """
    found = None
    for number, line in enumerate(text.lstrip('\ufeff').splitlines(), 1):
        if not FROM_SUBUSER_PREFIX_RE.match(line):
            continue
        argument = _directive_argument(line, number, where)
        if found is not None:
            raise SubuserError('%s:%d: a second FROM-SUBUSER-IMAGE (the first is on line %d); '
                               'an image source has one parent' % (where, number, found[1]))
        found = (argument, number)
    return found or (None, None)


def render_image_file(text, parent_image_id):
    """The Dockerfile sent to Docker: FROM-SUBUSER-IMAGE becomes ``FROM <parent image ID>``."""
    lines = []
    for line in text.lstrip('\ufeff').splitlines():
        if FROM_SUBUSER_PREFIX_RE.match(line):
            lines.append('FROM %s' % parent_image_id)
        else:
            lines.append(line)
    return '\n'.join(lines) + '\n'


# FROM [--platform=...] <reference> [AS name]: the reference, when it is not a variable.
_DOCKER_FROM_RE = re.compile(r'^\s*FROM\s+(?:--\S+\s+)*([^\s$]+)(?:\s|$)', re.IGNORECASE)
# What Docker accepts after "@": a digest, e.g. sha256:<64 hex digits>.
_DIGEST_RE = re.compile(r'^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$')


def subuser_like_from_lines(text):
    """``FROM name@repository`` lines, which Docker refuses (after "@" it expects a digest):
    a FROM-SUBUSER-IMAGE written as FROM. A list of (1-based line, reference)."""
    found = []
    for number, line in enumerate(text.lstrip('\ufeff').splitlines(), 1):
        if FROM_SUBUSER_PREFIX_RE.match(line):
            continue
        match = _DOCKER_FROM_RE.match(line)
        if match and '@' in match.group(1) and not _DIGEST_RE.match(match.group(1).split('@', 1)[1]):
            found.append((number, match.group(1)))
    return found
