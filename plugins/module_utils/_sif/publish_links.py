# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stable names of a publish directory that follow the latest build of each name: the
``<name>-latest.sif`` symlinks and, for casa-distro v2 clients, the v2 layout.

casa-distro v2 clients download ``<name>.simg`` after comparing ``<name>.simg.md5`` (hex, no
newline) with their local copy, verify the MD5, then fetch ``<name>.simg.dockerid`` (the Docker
image ID the image was made from) when present.
"""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._files import PUBLIC_MODE, atomic_symlink, write_if_changed

V2_EXTENSION = '.simg'


def _point(link, target):
    """Point the symlink ``link`` at ``target``; True when it changed."""
    if os.path.islink(link) and os.readlink(link) == target:
        return False
    atomic_symlink(target, link)
    return True


def v2_paths(publish_dir, name):
    """The v2 files of ``name``: the image link, its .md5 and its .dockerid."""
    image = os.path.join(publish_dir, name + V2_EXTENSION)
    return image, image + '.md5', image + '.dockerid'


def _update_v2(publish_dir, name, image):
    latest = [build for build in image['builds'] if build['file'] == image['latest']][0]
    link, md5_path, dockerid_path = v2_paths(publish_dir, name)
    # The checksum first: a v2 client comparing it with its copy downloads the new image, and
    # verifies what it got against the checksum, so it never keeps a mismatched pair.
    changed = bool(latest.get('md5')) and write_if_changed(md5_path, latest['md5'], mode=PUBLIC_MODE)
    changed = _point(link, image['latest']) or changed
    if latest.get('source_image_id'):
        changed = write_if_changed(dockerid_path, latest['source_image_id'], mode=PUBLIC_MODE) or changed
    return changed


def update_links(publish_dir, index, v2_names=()):
    """Point every ``<name>-latest.sif`` (and its .json) at the latest build, and keep the v2
    files of the names in ``v2_names`` and of the names that have them already. True when
    anything changed."""
    changed = False
    for name, image in index['images'].items():
        for suffix in ('', '.json'):
            changed = _point(os.path.join(publish_dir, name + '-latest.sif' + suffix), image['latest'] + suffix) or changed
        if name in v2_names or os.path.lexists(v2_paths(publish_dir, name)[0]):
            changed = _update_v2(publish_dir, name, image) or changed
    return changed
