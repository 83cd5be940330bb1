# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side build numbers of published images: ``<name>-<N>.sif``, reserved atomically so
that two builders publishing at once get different numbers."""

from __future__ import annotations

import os
import re

from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError

STATE_DIR = '.casa-publish'


def numbered_name(name, number):
    return '%s-%d.sif' % (name, number)


def build_number_of(name, filename):
    """N when ``filename`` is ``<name>-<N>.sif`` or ``<name>-<N>.sif.json``, else None."""
    match = re.match(r'^%s-(\d+)\.sif(\.json)?$' % re.escape(name), filename)
    return int(match.group(1)) if match else None


def used_numbers(publish_dir, name):
    """Build numbers of ``name`` already published or reserved."""
    numbers = set()
    for directory in (publish_dir, os.path.join(publish_dir, STATE_DIR)):
        try:
            entries = os.listdir(directory)
        except FileNotFoundError:
            continue
        for entry in entries:
            candidate = entry[:-len('.reserved')] + '.sif' if entry.endswith('.reserved') else entry
            number = build_number_of(name, candidate)
            if number is not None:
                numbers.add(number)
    return numbers


def next_build_number(publish_dir, name):
    """The number a publication would get now (check mode)."""
    return max(used_numbers(publish_dir, name) or {0}) + 1


def reserve_build_number(publish_dir, name, attempts=1000):
    """Reserve the next build number of ``name`` and return it.

    The reservation is the file ``.casa-publish/<name>-<N>.reserved``, created with
    ``O_CREAT|O_EXCL``: when two publishers pick the same number, exactly one creation succeeds
    and the other tries the next number. Reservations are never removed, so a number is never
    handed out twice, even after a failed publication.
    """
    state = os.path.join(publish_dir, STATE_DIR)
    os.makedirs(state, exist_ok=True)
    number = next_build_number(publish_dir, name)
    for _attempt in range(attempts):
        path = os.path.join(state, '%s-%d.reserved' % (name, number))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            number += 1
            continue
        try:
            with os.fdopen(fd, 'w') as handle:
                handle.write('%d\n' % os.getpid())
        except OSError:
            pass  # the file's existence is the reservation; its content (the PID) is informative
        return number
    raise PublishError('Could not reserve a build number for %s in %s after %d attempts'
                       % (name, publish_dir, attempts))
