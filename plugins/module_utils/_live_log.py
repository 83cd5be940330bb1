# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The live log of a long operation (build, bootstrap, conversion, push, upload).

Ansible shows a module's output only when the module ends, so a twenty-minute build says nothing
while it runs. A module given a ``log_path`` writes every line of progress there as it happens,
flushed, so that ``tail -f PATH`` follows it; the roles print the path before the task starts.
The lines are also kept (up to ``KEEP_LINES``) for the result under -v. Each run appends a header
to the file, so that the output of an earlier build is not lost when a later run has nothing to do.
"""

from __future__ import annotations

import collections
import os
import time

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

KEEP_LINES = 2000
# One rotation keeps a nightly log from filling the disk over months.
ROTATE_BYTES = 64 << 20


def _timestamp(now=None):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))


class LiveLog:
    """Lines written to ``path`` as they come (when a path is given) and kept in memory."""

    def __init__(self, path=None, title=None, keep=KEEP_LINES):
        self.path = path
        self.kept = collections.deque(maxlen=keep)
        self._stream = None
        if path:
            self._stream = self._open(path)
            self._stream.write('=== %s %s\n' % (_timestamp(), title or 'casa.distro'))
            self._stream.flush()

    @staticmethod
    def _open(path):
        if not os.path.isabs(path):
            raise InputError('log_path: expected an absolute path, got %r' % path, log_path=path)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.isfile(path) and os.path.getsize(path) > ROTATE_BYTES:
                os.replace(path, path + '.1')
            return open(path, 'a', encoding='utf-8', errors='replace')
        except OSError as exc:
            raise InputError('log_path: cannot write the live log %s: %s'
                             % (path, exc.strerror or exc), log_path=path)

    def write(self, line):
        """One line of progress: kept, and appended to the file with the time."""
        line = line.rstrip('\n')
        self.kept.append(line)
        if self._stream:
            self._stream.write('%s %s\n' % (time.strftime('%H:%M:%S', time.gmtime()), line))
            self._stream.flush()

    def lines(self):
        return list(self.kept)

    def close(self):
        if self._stream:
            self._stream.close()
            self._stream = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def live_log_result(module, log):
    """What a result says of the live log: its path always, its lines under -v."""
    result = {}
    if log.path:
        result['log_path'] = log.path
    if getattr(module, '_verbosity', 0) >= 1:
        result['log_lines'] = log.lines()
    return result
