# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kills (SIGKILL) the rsync processes mirroring into DEST_DIR once FILE has MIN_BYTES.

Usage: python3 kill_rsync.py DEST_DIR FILE MIN_BYTES
Only processes named rsync whose command line names DEST_DIR (the test's own fresh directory)
are killed. Prints {"killed": [pids], "size": bytes}; exits 1 after 120 s without a kill.
"""

import json
import os
import signal
import sys
import time


def rsync_pids(marker):
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as stream:
                argv = stream.read().split(b'\0')
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b'rsync' and any(marker in arg for arg in argv):
            pids.append(int(entry))
    return pids


def main(argv):
    dest_dir, path, min_bytes = argv[1], argv[2], int(argv[3])
    marker = dest_dir.encode()
    deadline = time.time() + 120
    while time.time() < deadline:
        size = os.path.getsize(path) if os.path.exists(path) else 0
        pids = rsync_pids(marker) if size >= min_bytes else []
        if pids:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            sys.stdout.write(json.dumps({'killed': pids, 'size': size}) + '\n')
            return 0
        time.sleep(0.05)
    sys.stderr.write('no rsync writing %s reached %d bytes\n' % (path, min_bytes))
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
