# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The error of casa_release_plan."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError


class ReleasePlanError(CasaError):
    """Bad input or a failed git operation. ``details`` is merged into the module's failure result."""
