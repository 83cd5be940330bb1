# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The files of one published image source (``publish.sources[]`` of the module):
permissions.json and image/SubuserImagefile, plus extra files of the build context."""

from __future__ import annotations

import json
import re

from ansible_collections.casa.distro.plugins.module_utils._subuser import permissions as permissions_mod
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, show
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import parse_identifier
from ansible_collections.casa.distro.plugins.module_utils._subuser.image_file import FROM_SUBUSER_PREFIX_RE
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import IMAGE_DIR, PERMISSIONS_JSON, check_relative_path

PUBLISH_HEADER = '# Published by casa.distro (subuser_repo); edits here are overwritten.\n'
# Always a SubuserImagefile (one without FROM-SUBUSER-IMAGE is used as it is): subuser 0.6.2
# tests file existence in git repositories by base name only, so a Dockerfile in one image
# source would make it look for a Dockerfile in every other one.
IMAGE_FILE = 'SubuserImagefile'


def _check_name(name, where):
    if not isinstance(name, str) or not name or name.lower() in ('.', '..', '.git') or re.search(r'[@/\\:!\x00]', name):
        raise SubuserError('%s: invalid image source name %s (no "@", "/", "\\", ":" or "!"; not ".", ".." '
                           'or ".git")' % (where, show(name)))


def _permissions(spec, where):
    """The validated permissions of a spec and their report."""
    perms = spec.get('permissions')
    if not isinstance(perms, dict):
        raise SubuserError('%s: permissions must be a dict (the content of permissions.json)' % where)
    report = permissions_mod.validate(perms, '%s permissions' % where)
    if report.errors:
        raise SubuserError('; '.join(report.errors), permission_warnings=report.warnings)
    return perms, report


def _from_line(spec, where):
    """``FROM <image>`` or ``FROM-SUBUSER-IMAGE <parent>``."""
    image = spec.get('image')
    parent = spec.get('parent')
    if bool(image) == bool(parent):
        raise SubuserError('%s: set exactly one of image (a registry image to start FROM) and '
                           'parent (a FROM-SUBUSER-IMAGE identifier)' % where)
    if image:
        if not isinstance(image, str) or re.search(r'\s', image):
            raise SubuserError('%s: image %s is not an image reference' % (where, show(image)))
        return 'FROM %s' % image
    parse_identifier(parent, in_image_file=True, where='%s parent' % where)
    return 'FROM-SUBUSER-IMAGE %s' % parent


def _image_file(spec, where):
    lines = [PUBLISH_HEADER.rstrip('\n'), _from_line(spec, where)]
    for instruction in spec.get('instructions') or []:
        if not isinstance(instruction, str) or FROM_SUBUSER_PREFIX_RE.match(instruction):
            raise SubuserError('%s: instructions must be Dockerfile lines, got %s'
                               % (where, show(instruction)))
        lines.append(instruction)
    return ('\n'.join(lines) + '\n').encode('utf-8')


def _extra_files(spec, where):
    files = {}
    for relpath, content in sorted((spec.get('files') or {}).items()):
        relpath = check_relative_path(relpath, '%s files' % where)
        if relpath in ('Dockerfile', 'SubuserImagefile'):
            raise SubuserError('%s: files may not replace the image file %s' % (where, relpath))
        if not isinstance(content, str):
            raise SubuserError('%s: files[%s] must be text' % (where, relpath))
        files['%s/%s' % (IMAGE_DIR, relpath)] = content.encode('utf-8')
    return files


def publish_files(spec, where):
    """The files of one published image source: (name, {relative path: bytes}, permissions report)."""
    name = spec.get('name')
    _check_name(name, where)
    where = '%s "%s"' % (where, name)
    perms, report = _permissions(spec, where)
    files = {
        PERMISSIONS_JSON: (json.dumps(perms, indent=2, ensure_ascii=False) + '\n').encode('utf-8'),
        '%s/%s' % (IMAGE_DIR, IMAGE_FILE): _image_file(spec, where),
    }
    files.update(_extra_files(spec, where))
    return name, files, report
