# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Image source identifiers (``name[@repository]``), repository URLs and the names derived
from them (image name components, mirror directories)."""

from __future__ import annotations

import hashlib
import os
import re

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError

DEFAULT_REPOSITORY = 'default'
DEFAULT_REPOSITORY_URL = 'https://github.com/subuser-security/subuser-default-repository.git'

_SLUG_RE = re.compile(r'[^a-z0-9._-]+')


class Identifier:
    """An image source identifier ``name[@repository]``.

    ``kind`` is ``context`` (no repository: the one of the referring image source), ``named``
    (a repository name such as ``default``), ``git`` (a URL) or ``local`` (a directory).
    """

    __slots__ = ('text', 'name', 'repository', 'kind')

    def __init__(self, text, name, repository, kind):
        self.text = text
        self.name = name
        self.repository = repository
        self.kind = kind

    def __repr__(self):
        return 'Identifier(%r)' % self.text


def _repository_kind(repository, text, where):
    """How the repository part of an identifier is located."""
    if repository == './' or repository.startswith('/') or repository.startswith('./'):
        return 'local'
    if repository.startswith('file://'):
        return 'local-git'
    if repository.startswith('https://') or repository.startswith('http://'):
        return 'git'
    if ':' not in repository and '/' not in repository:
        return 'named'
    raise SubuserError(
        '%s: cannot resolve repository "%s" in "%s": use a repository name, an http(s) URL, '
        'an absolute path or a file:// URL (map other URLs, e.g. ssh, through the '
        '"repositories" option)' % (where, repository, text))


def _check_in_image_file(kind, repository, text, where):
    """The FROM-SUBUSER-IMAGE restrictions of subuser."""
    if kind in ('local', 'local-git'):
        raise SubuserError(
            '%s: "%s": referring to local repositories is forbidden in FROM-SUBUSER-IMAGE '
            '(use name, name@default or name@https://...)' % (where, text))
    if kind == 'named' and repository != DEFAULT_REPOSITORY:
        raise SubuserError(
            '%s: "%s": referring to repositories by name is forbidden in FROM-SUBUSER-IMAGE, '
            'except "default" (use name, name@default or name@https://...)' % (where, text))


def parse_identifier(text, in_image_file=False, where='identifier'):
    """Split an identifier at its first ``@`` and classify its repository part.

    ``in_image_file`` applies the FROM-SUBUSER-IMAGE restrictions of subuser: only a bare
    name, ``name@default`` and ``name@http(s)://...`` are allowed there.
    """
    if not isinstance(text, str) or not text.strip():
        raise SubuserError('%s: empty image source identifier' % where)
    text = text.strip()
    name, sep, repository = text.partition('@')
    name = name.strip()
    if not name:
        raise SubuserError('%s: "%s" has no image source name before "@"' % (where, text))
    if not sep:
        return Identifier(text, name, None, 'context')
    repository = repository.strip()
    if not repository:
        raise SubuserError('%s: "%s" has no repository after "@"' % (where, text))
    kind = _repository_kind(repository, text, where)
    if in_image_file:
        _check_in_image_file(kind, repository, text, where)
    return Identifier(text, name, repository, 'git' if kind == 'local-git' else kind)


def normalize_url(url):
    """The identity of a repository URL or path: trailing slashes do not make another repository."""
    url = url.strip()
    if '://' not in url and url.startswith('/'):
        return os.path.normpath(url)
    return url.rstrip('/') or url


def slug(text):
    """A lowercase Docker- and file-name-safe form of a name (a valid image path component)."""
    value = _SLUG_RE.sub('-', text.lower())
    value = re.sub(r'[._-]{2,}', '-', value).strip('-._')
    return value or 'x'


def unique_slug(text):
    """slug(), plus a short digest of the name when the slug changed it, so that two names
    (``a b`` and ``a-b``, ``€`` and ``ž``) never share an image name."""
    value = slug(text)
    if value == text:
        return value
    return '%s-%s' % (value, hashlib.sha256(text.encode('utf-8')).hexdigest()[:8])


def repository_label(url):
    """A short name for a repository URL: its last path component without .git."""
    tail = normalize_url(url).rstrip('/').rsplit('/', 1)[-1].rsplit(':', 1)[-1]
    if tail.endswith('.git'):
        tail = tail[:-4]
    return tail or 'repository'
