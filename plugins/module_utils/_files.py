# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files written atomically and checksums, for every module that writes or publishes files.

A reader (a web client, a resumed apply, a second task) sees the old file or the new one, never
half of one: data goes to a temporary file beside the destination, is flushed to disk, then
renamed over it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

CHUNK = 1 << 20


def _default_mode(path):
    """The mode of the file being replaced, or what a new file would get under the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path, data, mode=None):
    """Write ``data`` (bytes, or text written as UTF-8) to ``path`` atomically.

    ``mode`` defaults to the mode of the file replaced, else to the umask's. The directory is
    created when missing.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    mode = _default_mode(path) if mode is None else mode
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_if_changed(path, data, mode=None):
    """atomic_write, only when the file does not already hold ``data``. True when written."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    try:
        with open(path, 'rb') as handle:
            if handle.read() == data:
                return False
    except OSError:
        pass
    atomic_write(path, data, mode)
    return True


def file_digests(path, algorithms=('sha256',)):
    """Hex digests of a file, read once: ``{'sha256': ..., 'md5': ...}``."""
    hashers = [hashlib.new(name) for name in algorithms]
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(CHUNK), b''):
            for hasher in hashers:
                hasher.update(block)
    return {name: hasher.hexdigest() for name, hasher in zip(algorithms, hashers)}


def file_sha256(path):
    return file_digests(path, ('sha256',))['sha256']
