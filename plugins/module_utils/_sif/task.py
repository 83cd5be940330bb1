# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a conversion or a publication has done so far, kept for its result and for a failure."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._live_log import LiveLog


class SifTask:
    """A task's actions, whether it changed anything, the result fields known so far, and the
    live log its long steps (save, flatten, squashfs, copy) report to as they start."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.actions = []
        self.changed = False
        self.result = {}
        # A dry run converts and copies nothing, so it writes no live log.
        self.log = LiveLog(None if check_mode else params.get('log_path'),
                           title='casa_singularity_image %s' % (params.get('state') or 'present'))

    def finish_log(self):
        """Write what the task did to the live log and close it."""
        for action in self.actions:
            self.log.write(action)
        self.log.close()

    def partial_results(self):
        """What was done before a failure (an image pulled, a directory created, a build published...)."""
        result = dict(self.result)
        result.update(changed=self.changed, actions=self.actions)
        return result
