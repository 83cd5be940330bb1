# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The error of the image recipe domain, in a file of its own so that the reference grammar
(_image_reference) and the subuser code can raise and catch it without loading recipes."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError


class RecipeError(InputError):
    """A recipe, template or image selection is wrong; the message names the file and key."""
