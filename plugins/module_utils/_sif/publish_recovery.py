# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Finishing what a killed publication left, so that a build is published completely or not at all.

A publication writes the build's JSON to ``.casa-publish/<name>-<N>.sif.json.pending`` first,
then renames the image into place, then renames the JSON beside it, all under the index lock.
Killed between the two renames, it leaves an image without its JSON (invisible: the index and
the listing only show complete builds); the next publisher, under the same lock, renames the
pending JSON into place, which completes the publication. A pending JSON whose image never
arrived is dropped (the upload is still in ``.incoming``). Temporary files of interrupted
atomic writes (``.<name>.<random>.tmp``) are removed too.
"""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._sif.publish_numbers import STATE_DIR

PENDING_SUFFIX = '.json.pending'


def pending_path(publish_dir, filename):
    """Where the JSON of the build ``filename`` waits until its image is in place."""
    return os.path.join(publish_dir, STATE_DIR, filename + PENDING_SUFFIX)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _stale_temporaries(directory):
    try:
        entries = os.listdir(directory)
    except FileNotFoundError:
        return []
    return [os.path.join(directory, entry) for entry in entries
            if entry.startswith('.') and entry.endswith('.tmp') and os.path.isfile(os.path.join(directory, entry))]


def recover(publish_dir):
    """Complete or drop what killed publications left; the caller holds the index lock.
    Returns the file names of the builds completed."""
    completed = []
    state = os.path.join(publish_dir, STATE_DIR)
    for path in _stale_temporaries(publish_dir) + _stale_temporaries(state):
        _remove(path)
    try:
        entries = sorted(os.listdir(state))
    except FileNotFoundError:
        return completed
    for entry in entries:
        if not entry.endswith(PENDING_SUFFIX):
            continue
        filename = entry[:-len(PENDING_SUFFIX)]
        image = os.path.join(publish_dir, filename)
        if os.path.isfile(image) and not os.path.lexists(image + '.json'):
            os.rename(os.path.join(state, entry), image + '.json')
            completed.append(filename)
        else:
            _remove(os.path.join(state, entry))
    return completed
