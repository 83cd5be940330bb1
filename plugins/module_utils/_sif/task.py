# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a conversion or a publication has done so far, kept for its result and for a failure."""

from __future__ import annotations


class SifTask:
    """A task's actions, whether it changed anything, and the result fields known so far."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.actions = []
        self.changed = False
        self.result = {}

    def partial_results(self):
        """What was done before a failure (an image pulled, a directory created, a build published...)."""
        result = dict(self.result)
        result.update(changed=self.changed, actions=self.actions)
        return result
