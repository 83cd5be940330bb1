# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where things are in a subuser repository: the file names of the format and the
repository-relative paths (which may never leave the repository)."""

from __future__ import annotations

import posixpath
import re

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import UnsafePathError, show

SUBUSER_JSON = '.subuser.json'
PERMISSIONS_JSON = 'permissions.json'
IMAGE_DIR = 'image'
DEPRECATED_IMAGE_DIR = 'docker-image'
IMAGE_FILE_NAMES = ('Dockerfile', 'SubuserImagefile')  # Dockerfile wins when both exist
CONFIG_KEYS = ('image-sources-dir', 'explicit-image-sources', 'subuser-version-constraints')
EXPLICIT_KEYS = ('image-file', 'build-context', 'permissions-file')


def in_git_dir(relpath):
    """Whether a normalised relative path is, or is inside, a .git directory (any letter case:
    case-insensitive file systems see .GIT as .git)."""
    return any(part.lower() == '.git' for part in relpath.split('/'))


def check_relative_path(path, where):
    """Normalise a repository-relative path; refuse absolute paths, paths leaving the root and
    paths into .git (UnsafePathError)."""
    if not isinstance(path, str) or path == '' or '\0' in path:
        raise UnsafePathError('%s: expected a relative path, got %s' % (where, show(path)))
    if path.startswith('/') or re.match(r'^[A-Za-z]:[\\/]', path):
        raise UnsafePathError('%s: "%s" is an absolute path; paths are relative to the repository '
                              'root' % (where, path))
    normalized = posixpath.normpath(path)
    if normalized == '..' or normalized.startswith('../'):
        raise UnsafePathError('%s: "%s" leaves the repository' % (where, path))
    if in_git_dir(normalized):
        raise UnsafePathError('%s: "%s" is inside .git, which is git\'s own data, not the repository\'s '
                              'content' % (where, path))
    return '' if normalized == '.' else normalized


def join(*parts):
    """Join repository-relative path parts, skipping empty ones ('' is the root)."""
    return posixpath.join(*[p for p in parts if p]) if any(parts) else ''
