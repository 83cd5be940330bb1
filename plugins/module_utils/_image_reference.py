# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker image references (``[registry[:port]/]repo[:tag][@digest]``): the grammar in one place.

Written out because the Docker SDK only splits references and never validates them; a bad name
must fail before a build starts.
"""

from __future__ import annotations

import re

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError

# Docker's reference grammar (distribution/reference), ASCII only. The first path component is a
# registry host only when it holds a '.' or a ':' or is 'localhost' (as docker splits names);
# otherwise it is a repository component and must be lowercase, so 'Casa/run' is refused as
# the daemon refuses it, while 'Registry.example.org/run' is accepted as the daemon accepts it.
_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
_HOST_PART = r'[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?'
_DOMAIN = r'(?:%s(?:\.%s)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?' % (_HOST_PART, _HOST_PART)
_PATH = r'%s(?:/%s)*' % (_COMPONENT, _COMPONENT)
REPOSITORY_RE = re.compile(r'\A(?:(?=[^/]*[.:]|localhost/)%s/)?%s\Z' % (_DOMAIN, _PATH), re.ASCII)
TAG_RE = re.compile(r'\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z', re.ASCII)


def split_reference(reference):
    """Split ``[registry/]repo[:tag][@digest]`` into (repository, tag).

    The tag defaults to ``latest``; a digest reference keeps its digest in the tag slot.
    """
    if '@' in reference:
        repository, digest = reference.split('@', 1)
        return repository, digest
    last = reference.rsplit('/', 1)[-1]
    if ':' in last:
        repository, tag = reference.rsplit(':', 1)
        return repository, tag
    return reference, 'latest'


def has_tag(reference):
    """Whether a reference names its tag (``name:tag``; a registry port is no tag)."""
    return ':' in reference.rsplit('/', 1)[-1]


def normalize_reference(reference):
    """A reference as the daemon names it: ``debian`` means ``debian:latest``."""
    if '@' in reference or has_tag(reference):
        return reference
    return reference + ':latest'


def validate_reference(name, tags, where):
    """Fail with a clear message (RecipeError) on a name or tag Docker would refuse."""
    if not isinstance(name, str) or not REPOSITORY_RE.match(name) or len(name) > 255:
        raise RecipeError(
            '%s: invalid image name %r: Docker wants lowercase ASCII path components of letters, '
            'digits and separators (. _ __ -), optionally after a registry host[:port]/ (a host '
            'holds a dot or a port, or is localhost)'
            % (where, name))
    if not tags:
        raise RecipeError('%s: image %s has no tags' % (where, name))
    for tag in tags:
        if not isinstance(tag, str) or not TAG_RE.match(tag):
            raise RecipeError(
                '%s: invalid tag %r for image %s: a tag is 1 to 128 ASCII letters, digits, _ . or -, '
                'not starting with . or -' % (where, tag, name))
