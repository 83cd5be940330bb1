# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The image sources of a repository: discovered ones (``<dir>/<name>/permissions.json``) and
explicit ones (``explicit-image-sources``), each loaded with what is wrong with it."""

from __future__ import annotations

import posixpath

from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, decode_text
from ansible_collections.casa.distro.plugins.module_utils._subuser import permissions as permissions_mod
from ansible_collections.casa.distro.plugins.module_utils._subuser.config import load_json
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import parse_identifier
from ansible_collections.casa.distro.plugins.module_utils._subuser.image_file import parse_image_file, subuser_like_from_lines
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import (
    DEPRECATED_IMAGE_DIR, EXPLICIT_KEYS, IMAGE_DIR, IMAGE_FILE_NAMES, PERMISSIONS_JSON, SUBUSER_JSON,
    check_relative_path, join)
from ansible_collections.casa.distro.plugins.module_utils._subuser.schema import EXPLICIT_SOURCE_SCHEMA, checked


class ImageSource:
    """One image source of a repository, with what is wrong with it."""

    def __init__(self, repository, name, explicit=False):
        self.repository = repository
        self.name = name
        self.explicit = explicit
        self.directory = None
        self.permissions_file = None
        self.build_context = None
        self.image_file = None
        self.image_file_type = None
        self.deprecated_image_dir = False
        self.parent_text = None
        self.parent_line = None
        self.parent_identifier = None
        self.parent = None  # the resolved ImageSource
        self.permissions = None
        self.docker_from = []  # (line, reference) of FROM name@repository lines
        self.errors = []
        self.warnings = []
        self.lineage_error = None

    @property
    def identifier(self):
        return '%s@%s' % (self.name, self.repository.display)

    @property
    def key(self):
        return (self.repository.key, self.name)

    @property
    def valid(self):
        return not self.errors

    def where(self, relpath):
        return self.repository.where(relpath)


def load_sources(repository):
    """Fill ``repository.sources`` from its tree and configuration."""
    config = repository.config
    where = repository.where(SUBUSER_JSON)
    directory = check_relative_path(config.get('image-sources-dir') or '.',
                                    '%s: "image-sources-dir"' % where)
    repository.image_sources_dir = directory
    if not repository.tree.isdir(directory, '%s: "image-sources-dir"' % where):
        raise SubuserError('%s: "image-sources-dir" %s is not a directory of the repository'
                           % (where, directory), file=where)
    sources = _discover(repository, directory)
    for name, entry in sorted((config.get('explicit-image-sources') or {}).items()):
        source = ImageSource(repository, name, explicit=True)
        if name in sources:
            repository.warnings.append('%s: explicit image source "%s" overrides the one found in %s'
                                       % (where, name, sources[name].directory))
        if '@' in name:
            source.errors.append('%s: explicit image source name "%s" cannot contain "@"' % (where, name))
        _load_explicit(source, entry, where)
        sources[name] = source
    repository.sources = sources


def _has_permissions(repository, folder):
    """Whether ``folder`` holds a permissions.json (a real path check); False, with a warning,
    when it cannot be told. A path out of the repository (a symlink) fails the whole read."""
    candidate = join(folder, PERMISSIONS_JSON)
    try:
        return repository.tree.isfile(candidate, repository.where(candidate))
    except UnsafePathError:
        raise
    except SubuserError as exc:
        repository.warnings.append(exc.msg)
        return False


def _discover(repository, directory):
    sources = {}
    for name in repository.tree.subdirs(directory, repository.where(directory or '.')):
        folder = join(directory, name)
        if not _has_permissions(repository, folder):
            continue
        if '@' in name:
            repository.warnings.append('%s: image source names cannot contain "@"; ignored'
                                       % repository.where(folder))
            continue
        source = ImageSource(repository, name)
        source.directory = folder
        _load_discovered(source)
        sources[name] = source
    return sources


def _find_build_context(source):
    """image/, else the deprecated docker-image/ (with a warning), else an error."""
    tree = source.repository.tree
    folder = source.directory
    image_dir = join(folder, IMAGE_DIR)
    if tree.isdir(image_dir, source.where(image_dir)):
        source.build_context = image_dir
        return
    old = join(folder, DEPRECATED_IMAGE_DIR)
    if tree.isdir(old, source.where(old)):
        source.build_context = old
        source.deprecated_image_dir = True
        source.warnings.append('%s: the "docker-image" directory is deprecated; rename it '
                               '"image"' % source.where(old))
        return
    source.errors.append('%s: no image/ directory holding a Dockerfile or SubuserImagefile'
                         % source.where(folder))


def _find_image_file(source):
    tree = source.repository.tree
    for candidate in IMAGE_FILE_NAMES:
        path = join(source.build_context, candidate)
        if tree.isfile(path, source.where(path)):
            source.image_file = path
            return
    source.errors.append('%s: neither Dockerfile nor SubuserImagefile in it' % source.where(source.build_context))


def _load_discovered(source):
    source.permissions_file = join(source.directory, PERMISSIONS_JSON)
    try:
        _find_build_context(source)
        if source.build_context is not None:
            _find_image_file(source)
    except UnsafePathError:
        raise
    except SubuserError as exc:
        source.errors.append(exc.msg)
    _load_permissions(source)
    _load_image_file(source)


def _explicit_build_context(source, entry, at):
    context = check_relative_path(entry['build-context'], at + ' build-context')
    if not source.repository.tree.isdir(context, at + ' build-context'):
        source.errors.append('%s: build-context %s is not a directory' % (at, entry['build-context']))
    else:
        source.build_context = context


def _explicit_image_file(source, entry, at):
    image_file = check_relative_path(entry['image-file'], at + ' image-file')
    if posixpath.basename(image_file) not in IMAGE_FILE_NAMES:
        source.errors.append('%s: image-file %s must be named Dockerfile or SubuserImagefile'
                             % (at, entry['image-file']))
    elif not source.repository.tree.isfile(image_file, at + ' image-file'):
        source.errors.append('%s: image-file %s does not exist' % (at, entry['image-file']))
    else:
        source.image_file = image_file


def _explicit_paths(source, entry, at):
    if 'permissions-file' in entry:
        source.permissions_file = check_relative_path(entry['permissions-file'], at + ' permissions-file')
        source.repository.tree.isfile(source.permissions_file, at + ' permissions-file')  # symlink check
    if 'build-context' in entry:
        _explicit_build_context(source, entry, at)
    if 'image-file' in entry:
        _explicit_image_file(source, entry, at)


def _load_explicit(source, entry, where):
    at = '%s: explicit-image-sources "%s"' % (where, source.name)
    try:
        checked(EXPLICIT_SOURCE_SCHEMA, entry, '%s: explicit-image-sources.%s' % (where, source.name))
    except SubuserError as exc:
        source.errors.append(exc.msg)
        return
    missing = [key for key in EXPLICIT_KEYS if key not in entry]
    if missing:
        source.errors.append('%s lacks %s (all of image-file, build-context and permissions-file '
                             'are needed)' % (at, ', '.join(missing)))
    source.warnings.extend('%s: unknown key "%s" is ignored' % (at, key) for key in entry if key not in EXPLICIT_KEYS)
    try:
        _explicit_paths(source, entry, at)
    except UnsafePathError:
        raise
    except SubuserError as exc:
        source.errors.append(exc.msg)
    if source.permissions_file:
        _load_permissions(source)
    _load_image_file(source)


def _load_permissions(source):
    tree = source.repository.tree
    path = source.permissions_file
    where = source.where(path)
    try:
        if not tree.isfile(path, where):
            source.errors.append('%s does not exist' % where)
            return
        data = load_json(tree.read(path, where), where)
    except UnsafePathError:
        raise
    except SubuserError as exc:
        source.errors.append(exc.msg)
        return
    report = permissions_mod.validate(data, where)
    source.permissions = report
    source.errors.extend(report.errors)
    source.warnings.extend(report.warnings)


def _image_file_text(source, where):
    """The text of the image file: UTF-8 for a SubuserImagefile (it is parsed); a Dockerfile is
    Docker's business, so bad bytes there only warn."""
    data = source.repository.tree.read(source.image_file, where)
    try:
        return decode_text(data, where)
    except FileFormatError as exc:
        if source.image_file_type != 'Dockerfile':
            raise SubuserError(exc.msg, **exc.details)
        source.warnings.append(exc.msg)
        return data.decode('utf-8', 'replace')


def _flag_docker_from(source, text, where):
    """FROM name@repository is not a Docker reference: say where, and what was meant."""
    source.docker_from = subuser_like_from_lines(text)
    source.warnings.extend(
        '%s:%d: "FROM %s" is not a Docker image reference (Docker expects a digest after "@"); to start '
        'from another image source write "FROM-SUBUSER-IMAGE %s" in a SubuserImagefile' % (where, line, ref, ref)
        for line, ref in source.docker_from)


def _load_image_file(source):
    if not source.image_file:
        return
    where = source.where(source.image_file)
    source.image_file_type = posixpath.basename(source.image_file)
    try:
        text = _image_file_text(source, where)
        argument, line = parse_image_file(text, where)
    except UnsafePathError:
        raise
    except SubuserError as exc:
        source.errors.append(exc.msg)
        return
    _flag_docker_from(source, text, where)
    if argument is None:
        return
    if source.image_file_type == 'Dockerfile':
        source.errors.append('%s:%d: FROM-SUBUSER-IMAGE only works in a SubuserImagefile (a '
                             'Dockerfile is sent to Docker unchanged); rename the file'
                             % (where, line))
        return
    source.parent_text = argument
    source.parent_line = line
    try:
        source.parent_identifier = parse_identifier(argument, in_image_file=True,
                                                    where='%s:%d' % (where, line))
    except SubuserError as exc:
        source.errors.append(exc.msg)
