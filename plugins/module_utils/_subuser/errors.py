# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The error of subuser repositories, and how a value is quoted in its messages."""

from __future__ import annotations

import json

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError


class SubuserError(CasaError):
    """Something about a repository or image source is wrong; ``details`` go into the result."""


def show(value, limit=120):
    """A value as JSON (its repr when not JSON), cut to ``limit`` characters."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'
