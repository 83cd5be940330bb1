# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retention of published builds: the N newest builds of a name are kept (nightly rebuilds fill
disks otherwise), never the one ``<name>-latest.sif`` points at. Build numbers are not reused:
their reservations stay."""

from __future__ import annotations

import os


def builds_to_remove(builds, keep, protected=()):
    """The builds of one name (published_builds) beyond the ``keep`` newest, except the files in
    ``protected`` (what latest points at)."""
    if not keep:
        return []
    newest_first = sorted(builds, key=lambda build: build['build_number'], reverse=True)
    return [build for build in newest_first[keep:] if build['file'] not in protected]


def current_latest(publish_dir, name):
    """The file ``<name>-latest.sif`` points at, or None."""
    try:
        return os.readlink(os.path.join(publish_dir, name + '-latest.sif'))
    except OSError:
        return None


def remove_build(publish_dir, build):
    """The JSON first (the build leaves the index and the listing), then the image."""
    for filename in (build['file'] + '.json', build['file']):
        try:
            os.unlink(os.path.join(publish_dir, filename))
        except FileNotFoundError:
            pass
