# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files read and written for every module: text and JSON read with errors that name the file,
atomic writes, checksums.

A reader (a web client, a resumed apply, a second task) sees the old file or the new one, never
half of one: data goes to a temporary file beside the destination, is flushed to disk, then
renamed over it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc

CHUNK = 4 << 20
# Published files (SIF, side files, index) are read by the web server.
PUBLIC_MODE = 0o644


def _default_mode(path):
    """The mode of the file being replaced, or what a new file would get under the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _atomic_replace(path, fill, mode):
    """Create ``path`` from ``fill(stream)`` through a temporary file beside it, flushed to disk
    and renamed; nothing is left behind on failure."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    mode = _default_mode(path) if mode is None else mode
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as stream:
            fill(stream)
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


def atomic_write(path, data, mode=None):
    """Write ``data`` (bytes, or text written as UTF-8) to ``path`` atomically.

    ``mode`` defaults to the mode of the file replaced, else to the umask's. The directory is
    created when missing.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    _atomic_replace(path, lambda stream: stream.write(data), mode)


def atomic_copy(src, path, mode=None):
    """Copy the file ``src`` to ``path`` atomically, streaming (a SIF may be many GB)."""
    def fill(stream):
        with open(src, 'rb') as source:
            shutil.copyfileobj(source, stream, CHUNK)
    _atomic_replace(path, fill, mode)


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
    """Hex digests of a file (``{'sha256': ..., 'md5': ...}``), read once; with several
    algorithms, one thread each (hashlib releases the GIL), so md5 and sha256 of a multi-GB SIF
    cost one pass."""
    hashers = [hashlib.new(name) for name in algorithms]
    with open(path, 'rb') as handle:
        blocks = iter(lambda: handle.read(CHUNK), b'')
        if len(hashers) == 1:
            for block in blocks:
                hashers[0].update(block)
        else:
            _ParallelHashers(hashers).consume(blocks)
    return dict((name, hasher.hexdigest()) for name, hasher in zip(algorithms, hashers))


class _ParallelHashers:
    """Feeds each block to every hasher, one thread per hasher, in lock step."""

    def __init__(self, hashers):
        self.hashers = hashers
        self.slots = [threading.Semaphore(0) for dummy in hashers]
        self.done = [threading.Semaphore(0) for dummy in hashers]
        self.current = None

    def _worker(self, index):
        while True:
            self.slots[index].acquire()
            block = self.current
            if block is not None:
                self.hashers[index].update(block)
            self.done[index].release()
            if block is None:
                return

    def _step(self, block):
        self.current = block
        for slot in self.slots:
            slot.release()
        for finished in self.done:
            finished.acquire()

    def consume(self, blocks):
        threads = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(len(self.hashers))]
        for thread in threads:
            thread.start()
        try:
            for block in blocks:
                self._step(block)
        finally:
            self._step(None)  # every worker returns
            for thread in threads:
                thread.join(5)


def file_sha256(path):
    return file_digests(path, ('sha256',))['sha256']


def atomic_symlink(target, path):
    """Point the symlink ``path`` at ``target``, replacing whatever is there atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    for attempt in range(100):
        temporary = os.path.join(directory, '.%s.%d.%d.tmp' % (os.path.basename(path), os.getpid(), attempt))
        try:
            os.symlink(target, temporary)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 stale temporary names
        raise FileExistsError('Cannot create a temporary symlink beside %s' % path)
    os.replace(temporary, path)


class FileFormatError(InputError):
    """A file the collection reads is missing, unreadable or not in its format."""


def read_bytes(path, what='file'):
    """The content of the regular file ``path``; a clear FileFormatError otherwise."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except IsADirectoryError:
        raise FileFormatError('%s: the %s is a directory, expected a file' % (path, what), path=path)
    except FileNotFoundError:
        raise FileFormatError('%s: the %s does not exist%s' % (
            path, what, ' (dangling symlink)' if os.path.islink(path) else ''), path=path)
    except OSError as exc:
        raise FileFormatError('%s: cannot read the %s: %s' % (path, what, exc.strerror or exc), path=path)


def decode_text(data, where):
    """``data`` as UTF-8 text (a BOM is dropped); a FileFormatError naming ``where`` and the
    position of the first bad byte otherwise."""
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError as exc:
        raise FileFormatError('%s: not UTF-8 text (byte 0x%02x at offset %d)'
                              % (where, data[exc.start], exc.start), file=where)


def read_text(path, what='file'):
    """The UTF-8 text of ``path``."""
    return decode_text(read_bytes(path, what), path)


def parse_json(text, where):
    """The JSON value of ``text`` (str or bytes); FileFormatError with line and column otherwise.
    Huge integers and deep nesting are rejected as errors, not crashes."""
    if isinstance(text, bytes):
        text = decode_text(text, where)
    try:
        return json.loads(text)
    except ValueError as exc:
        message = getattr(exc, 'msg', str(exc))
        if getattr(exc, 'lineno', None) is not None:
            raise FileFormatError('%s:%s:%s: invalid JSON: %s' % (where, exc.lineno, exc.colno, message),
                                  file=where, line=exc.lineno, column=exc.colno)
        raise FileFormatError('%s: invalid JSON: %s' % (where, message), file=where)
    except RecursionError:
        raise FileFormatError('%s: JSON nested too deeply' % where, file=where)


def parse_yaml(text, where):
    """The YAML value of ``text`` (str or bytes, safe loader); FileFormatError with line and
    column otherwise. Values YAML parses but Python refuses (an integer of 5,000 digits, a bad
    date) and deep nesting are errors too, not crashes."""
    if isinstance(text, bytes):
        text = decode_text(text, where)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        problem = getattr(exc, 'problem', None) or str(exc)
        if mark is not None:
            raise FileFormatError('%s:%d:%d: invalid YAML: %s' % (where, mark.line + 1, mark.column + 1, problem),
                                  file=where, line=mark.line + 1, column=mark.column + 1)
        raise FileFormatError('%s: invalid YAML: %s' % (where, problem), file=where)
    except RecursionError:
        raise FileFormatError('%s: YAML nested too deeply' % where, file=where)
    except (ValueError, TypeError, OverflowError) as exc:
        raise FileFormatError('%s: a YAML value cannot be read: %s' % (where, str(exc)[:200]), file=where)


def read_yaml(path, what='YAML file'):
    """The YAML value stored in ``path``."""
    return parse_yaml(read_text(path, what), path)


def read_json(path, what='JSON file'):
    """The JSON value stored in ``path``."""
    return parse_json(read_text(path, what), path)


def dump_json(data, indent=4):
    """The canonical JSON text the collection writes: sorted keys, indented, final newline."""
    return json.dumps(data, indent=indent, sort_keys=True) + '\n'


def write_json(path, data, mode=None, indent=4):
    """Write ``data`` as canonical JSON to ``path`` atomically."""
    atomic_write(path, dump_json(data, indent), mode)
