# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker build contexts: what is sent to the daemon, its hash, and why an image is rebuilt.

The one place for ``.dockerignore`` reading and matching, context entries (files on disk or
bytes in memory) and their staging into a directory, the content hash of a build
(``recipe_hash``, with a digest cache so that a no-op run costs a stat per file) and the "why
rebuild" reason read from an image's hash label. Independent of any recipe format: image
recipes and subuser repositories both build on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import warnings
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.casa.distro.plugins.module_utils import _schema as schema
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, atomic_write, decode_text, file_sha256, parse_json, read_text

try:
    from docker.utils.build import PatternMatcher
    HAS_DOCKER_BUILD_UTILS = True
except ImportError:  # pragma: no cover - the modules report the missing SDK first
    HAS_DOCKER_BUILD_UTILS = False

DOCKERIGNORE = '.dockerignore'
HASH_SCHEME = 'casa-distro-recipe-v1'
UNLABELLED = 'existing image has no %s label (not built by casa.distro)'


class BuildContextError(InputError):
    """A build context cannot be read: missing directory, Dockerfile or unreadable template."""


# ---------------------------------------------------------------------------- .dockerignore

def parse_dockerignore(text):
    """The patterns of a .dockerignore text: blank lines and comments dropped."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith('#')]


def check_dockerignore(text, where):
    """The patterns of a .dockerignore text, each checked the way the Docker SDK will match it;
    BuildContextError naming ``where``, the line and the pattern otherwise."""
    patterns = []
    for number, line in enumerate(text.splitlines(), 1):
        pattern = line.strip()
        if not pattern or pattern.startswith('#'):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # the SDK's regexes warn about nested sets
                _matcher([pattern]).patterns[0].match('probe')
        except re.error as exc:
            raise BuildContextError('%s:%d: invalid pattern %r: %s' % (where, number, pattern[:80], exc),
                                    file=where, line=number)
        patterns.append(pattern)
    return patterns


def read_dockerignore(directory):
    """The patterns of ``directory``/.dockerignore; none when there is no such file."""
    path = os.path.join(directory, DOCKERIGNORE)
    if not os.path.lexists(path):
        return []
    if os.path.exists(path) and not os.path.isfile(path):
        raise BuildContextError('%s: the Docker ignore file is not a regular file' % path, file=path)
    return check_dockerignore(read_text(path, 'Docker ignore file'), path)


def _matcher(patterns):
    if not HAS_DOCKER_BUILD_UTILS:  # pragma: no cover
        raise BuildContextError('the Docker SDK for Python (docker) is required to read build contexts')
    return PatternMatcher(list(patterns))


def kept_paths(relpaths, patterns, always=('Dockerfile',)):
    """The paths Docker sends (``/``-separated, relative to the context): those no pattern
    excludes, plus ``always`` (the Dockerfile is sent whatever .dockerignore says)."""
    relpaths = list(relpaths)
    if not patterns:
        return relpaths
    matcher = _matcher(patterns)
    return [path for path in relpaths if path in always or not matcher.matches(path)]


def walk_context(directory, patterns, dockerfile='Dockerfile'):
    """The sorted relative paths (files and directories) of ``directory`` that .dockerignore
    ``patterns`` keep, as the Docker SDK packs them (an excluded directory is not descended)."""
    return sorted(_matcher(list(patterns) + ['!' + dockerfile]).walk(directory))


# ---------------------------------------------------------------------------- entries

class ContextEntry:
    """One entry of a build context, at ``relpath``.

    ``kind`` is ``file``, ``symlink`` or ``dir``. The content is ``data`` (bytes in memory: a
    rendered template, a blob read from git; for a symlink, its target) when set, else the file
    at ``source``. ``mode`` carries the executable bit.
    """

    __slots__ = ('relpath', 'source', 'data', 'mode', 'kind')

    def __init__(self, relpath, source=None, data=None, mode=0o644, kind='file'):
        self.relpath = relpath
        self.source = source
        self.data = data
        self.mode = mode
        self.kind = kind

    @property
    def is_dir(self):
        return self.kind == 'dir'

    def __repr__(self):
        return 'ContextEntry(%r, %s)' % (self.relpath, self.kind)


def _template_entry(relpath, source, mode, template_suffix, render):
    try:
        text = read_text(source, 'template')
    except FileFormatError as exc:
        raise BuildContextError('%s: cannot read template: %s' % (source, exc.msg), file=source)
    target = relpath[:-len(template_suffix)]
    return ContextEntry(target, source, render(text, source).encode('utf-8'), mode)


def _entry_of(directory, relpath, template_suffix, render):
    """The entry for one walked path, or None when it vanished meanwhile."""
    source = os.path.join(directory, relpath)
    try:
        info = os.lstat(source)
    except OSError:
        return None
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        return ContextEntry(relpath, source, None, mode, 'dir')
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        # A FIFO would block the hash and the build forever; a socket or device cannot be sent.
        raise BuildContextError('%s: not a regular file, directory or symlink: a build context cannot hold it' % source,
                                file=source)
    if render is not None and relpath.endswith(template_suffix):
        return _template_entry(relpath, source, mode, template_suffix, render)
    return ContextEntry(relpath, source, None, mode, 'symlink' if stat.S_ISLNK(info.st_mode) else 'file')


def directory_entries(directory, dockerfile='Dockerfile', leave_out=(), render=None, template_suffix='.template'):
    """The sorted entries of the build context in ``directory``, after its .dockerignore.

    Top-level files named in ``leave_out`` (a recipe definition) are not part of it. With
    ``render(text, source_path) -> text``, ``*<template_suffix>`` files are rendered and lose
    the suffix (a rendered file replaces a plain file of the same name). Only empty directories
    get an entry of their own (``COPY`` creates them); the others come with their files.
    """
    if not os.path.isdir(directory):
        raise BuildContextError('recipe directory %s does not exist' % directory)
    entries = {}
    for relpath in walk_context(directory, read_dockerignore(directory), dockerfile):
        if relpath in leave_out:
            continue
        entry = _entry_of(directory, relpath, template_suffix, render)
        if entry is None:
            continue
        if entry.is_dir:
            entries.setdefault(relpath + '/', entry)
        elif entry.data is not None or entry.relpath not in entries:
            entries[entry.relpath] = entry
    parents = {os.path.dirname(entry.relpath) for entry in entries.values()}
    entries = {key: entry for key, entry in entries.items() if not entry.is_dir or entry.relpath not in parents}
    if dockerfile not in entries:
        raise BuildContextError('%s: no %s (nor %s%s) in the recipe directory'
                                % (directory, dockerfile, dockerfile, template_suffix))
    return [entries[key] for key in sorted(entries)]


def needs_staging(entries):
    """Whether the context must be written out before a build: some content exists only in
    memory (rendered templates); otherwise the files are streamed from where they are."""
    return any(entry.data is not None for entry in entries)


def dockerfile_text(entries, dockerfile='Dockerfile'):
    """The text of the context's Dockerfile (rendered when it came from a template)."""
    for entry in entries:
        if entry.relpath == dockerfile:
            try:
                if entry.data is not None:
                    return decode_text(entry.data, entry.source or dockerfile)
                return read_text(entry.source, 'Dockerfile')
            except FileFormatError as exc:
                raise BuildContextError(exc.msg, **exc.details)
    raise BuildContextError('no %s in the build context' % dockerfile)


def _stage_entry(entry, target):
    if entry.kind == 'symlink':
        link = entry.data.decode('utf-8', 'surrogateescape') if entry.data is not None else os.readlink(entry.source)
        os.symlink(link, target)
    elif entry.data is not None:
        with open(target, 'wb') as handle:
            handle.write(entry.data)
        os.chmod(target, entry.mode)
    else:
        try:
            os.link(entry.source, target)  # no copy of a large context when on the same filesystem
        except OSError:
            shutil.copy2(entry.source, target)


def stage_context(entries, destination):
    """Write the build context into the existing directory ``destination``: hard links where
    possible, else copies; in-memory content written with its mode."""
    for entry in entries:
        target = os.path.join(destination, *entry.relpath.split('/'))
        if entry.is_dir:
            os.makedirs(target, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _stage_entry(entry, target)


# ---------------------------------------------------------------------------- hashing

def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class FileDigestCache:
    """Content digests of files, reused while a file's size, mtime, ctime and inode are unchanged.

    git decides a file is unchanged the same way; it makes a no-op run on a large context cost
    a stat per file instead of reading every byte. Saved atomically as JSON.
    """

    def __init__(self, path=None):
        self.path = path
        self.entries = {}
        self.dirty = False
        if path and os.path.exists(path):
            self.entries = _read_digest_cache(path)

    def prefetch(self, paths, workers=None):
        """Compute the digests of ``paths`` not in the cache yet, several files at a time
        (hashlib releases the GIL): a context of many files is hashed on every core."""
        workers = min(len(paths), workers or _cpu_count(), 8)
        if workers < 2:
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for dummy in pool.map(self.digest, paths):
                pass

    def digest(self, path):
        """The SHA-256 of a file's content (of ``symlink:<target>`` for a symlink)."""
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return symlink_digest(os.readlink(path))
        key = os.path.abspath(path)
        fingerprint = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        cached = self.entries.get(key)
        if cached and cached[0] == fingerprint:
            return cached[1]
        digest = file_sha256(path)
        self.entries[key] = [fingerprint, digest]
        self.dirty = True
        return digest

    def save(self):
        """Write the cache when it changed; a failure is ignored (it is only an optimisation)."""
        if not (self.path and self.dirty):
            return
        try:
            atomic_write(self.path, json.dumps({'scheme': HASH_SCHEME, 'files': self.entries}))
        except OSError:
            pass  # a read-only home must not fail a build


# The cache file: {"scheme": HASH_SCHEME, "files": {path: [[size, mtime_ns, ctime_ns, inode], sha256]}}.
_SHA256 = schema.Str(pattern=r'[0-9a-f]{64}', what='a SHA-256 in hex')
DIGEST_CACHE_SCHEMA = schema.Record({
    'scheme': schema.Field(schema.Str(), required=True),
    'files': schema.MapOf(schema.ListOf(schema.OneOf(schema.ListOf(schema.Int()), _SHA256))),
}, extra='allow')


def _cache_entry_ok(entry):
    return (len(entry) == 2 and isinstance(entry[0], list) and len(entry[0]) == 4
            and isinstance(entry[1], str))


def _read_digest_cache(path):
    """The entries of a digest cache file; a damaged or foreign one only costs a re-read, so
    any problem gives no entries (and the file is rewritten at the end of the run)."""
    try:
        data = schema.check(DIGEST_CACHE_SCHEMA, parse_json(read_text(path, 'digest cache'), path), path)
    except InputError:
        return {}
    if data['scheme'] != HASH_SCHEME:
        return {}
    return {key: entry for key, entry in (data['files'] or {}).items() if _cache_entry_ok(entry)}


def symlink_digest(target):
    """The content digest of a symlink: its target, marked as such."""
    if isinstance(target, bytes):
        target = target.decode('utf-8', 'surrogateescape')
    return hashlib.sha256(('symlink:' + target).encode('utf-8', 'surrogateescape')).hexdigest()


def entry_digest(entry, digest_cache):
    """The content digest of a file or symlink entry."""
    if entry.kind == 'symlink':
        return symlink_digest(entry.data if entry.data is not None else os.readlink(entry.source))
    if entry.data is not None:
        return hashlib.sha256(entry.data).hexdigest()
    return digest_cache.digest(entry.source)


def _files_on_disk(entries):
    return [entry.source for entry in entries if entry.kind == 'file' and entry.data is None]


def recipe_hash(entries, build_args=None, labels=None, target=None, parent_ids=None,
                digest_cache=None):
    """The hash of everything a build depends on.

    Covers the context entries (path, executable bit, content; empty directories by path), the
    build args, labels and target, and the image IDs of the parents, so a rebuilt parent
    rebuilds its children.
    """
    cache = digest_cache or FileDigestCache()
    cache.prefetch(_files_on_disk(entries))
    digest = hashlib.sha256(HASH_SCHEME.encode())
    for entry in entries:
        if entry.is_dir:
            digest.update(('dir\0%s\n' % entry.relpath).encode())
            continue
        executable = 'x' if entry.mode & 0o111 else '-'
        digest.update(('file\0%s\0%s\0%s\n' % (entry.relpath, executable, entry_digest(entry, cache))).encode())
    settings = {
        'build_args': {str(k): str(v) for k, v in sorted((build_args or {}).items())},
        'labels': {str(k): str(v) for k, v in sorted((labels or {}).items())},
        'target': target or '',
        'parents': list(parent_ids or []),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return 'sha256:' + digest.hexdigest()


# ---------------------------------------------------------------------------- why rebuild

def image_labels(info):
    """The labels of an image inspect dict ({} for None)."""
    return ((info or {}).get('Config') or {}).get('Labels') or {}


def rebuild_reason(existing, hash_label, digest, force=False, pending_parents=(), unlabelled=None,
                   explain_change=None):
    """Why an image must be (re)built, or None when its ``hash_label`` already holds ``digest``.

    ``existing`` is the image's inspect dict (None when absent); ``pending_parents`` names
    parents that would be rebuilt first (check mode). ``unlabelled`` is the reason for an image
    without the label (default: not built by casa.distro); ``explain_change(labels)`` says what
    changed when the label differs (default: the old and new hashes).
    """
    if force:
        return 'force=true'
    if pending_parents:
        return 'parent %s would be rebuilt' % ', '.join(pending_parents)
    if existing is None:
        return 'image not in the daemon'
    labels = image_labels(existing)
    previous = labels.get(hash_label)
    if previous is None:
        return unlabelled or UNLABELLED % hash_label
    if previous == digest:
        return None
    if explain_change is not None:
        return explain_change(labels)
    return 'recipe inputs changed (hash %s -> %s)' % (previous[:19], digest[:19])
