# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The error of subuser repositories, and how a value is quoted in its messages."""

from __future__ import annotations

import json

from ansible_collections.casa.distro.plugins.module_utils import _schema
from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError


class SubuserError(CasaError):
    """Something about a repository or image source is wrong; ``details`` go into the result."""


class UnsafePathError(SubuserError):
    """A repository path leads out of the repository or into its .git: the whole task is refused,
    never just the image source concerned."""


def show(value, limit=120):
    """A value as JSON, cut to ``limit`` characters (deep nesting and huge numbers shown short)."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = _schema.show(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'
