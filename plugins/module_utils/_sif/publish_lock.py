# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lock that serialises the writers of a publish directory's index and latest links."""

from __future__ import annotations

import fcntl
import os

from ansible_collections.casa.distro.plugins.module_utils._sif.publish_numbers import STATE_DIR


class PublishLock:
    """An exclusive flock on a file of the publish directory's state directory."""

    def __init__(self, publish_dir, name='index.lock'):
        state = os.path.join(publish_dir, STATE_DIR)
        os.makedirs(state, exist_ok=True)
        self.path = os.path.join(state, name)
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
