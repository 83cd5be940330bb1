# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The errors of SIF conversion and publication."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError


class SifError(CasaError):
    """A conversion failed. ``details`` is merged into the module's failure result."""


class PublishError(CasaError):
    """Publishing failed. ``details`` is merged into the module's failure result."""
