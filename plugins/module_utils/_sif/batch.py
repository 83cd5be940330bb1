# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several SIF images in one task (option ``images``): the parameters of each image, and the one
result of the task.

A release asks about every SIF of a family at each run (is it up to date, is it published).
Ansible spends about 0.3 s on each module call whatever the module does, so a loop over ten
images costs a no-op release seconds that one call answering for all of them does not.
"""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

# What an entry of ``images`` may set (the module's spec of images is made of these); the task's
# other options are shared by every entry. The task's own value of ENTRY_DEFAULTS is the default
# of its entries; the task may not set the other per-image options beside images.
PER_IMAGE_OPTIONS = ('image', 'archive', 'pull', 'dest', 'dockerfile', 'force', 'metadata', 'pending',
                     'name', 'src', 'source')
ENTRY_DEFAULTS = ('pull', 'force', 'pending')
BATCH_STATES = ('present', 'published')


def _entry_identity(state, params):
    """What two entries of one task must not share: the SIF they write, or the name they publish
    (None when only the side file of ``src`` will tell)."""
    if state == 'present':
        return 'dest %s' % os.path.abspath(params['dest'])
    name = params.get('name') or (params.get('metadata') or {}).get('name')
    return 'name %s' % name if isinstance(name, str) and name else None


def _check_entry(state, params, where):
    """The checks the module's argument spec makes for one image, for an entry of ``images``."""
    if state == 'present':
        if not params.get('dest'):
            raise InputError('%s: dest is required with state=present' % where, field=where)
        if not params.get('image') and not params.get('archive'):
            raise InputError('%s: image or archive is required with state=present' % where, field=where)
        if params.get('archive') and params.get('pull'):
            raise InputError('%s: archive and pull are mutually exclusive' % where, field=where)
    elif params.get('src') and params.get('source'):
        raise InputError('%s: src and source are mutually exclusive' % where, field=where)


def image_params(params):
    """[(where, parameters)] of each image of the task: the task's own for one image (where is
    None), else each entry of ``images`` over the shared options (where is ``images[N]``)."""
    entries = params.get('images')
    if entries is None:
        return [(None, params)]
    state = params.get('state') or 'present'
    if state not in BATCH_STATES:
        raise InputError('images: state=%s handles one SIF per task; images is for state=%s'
                         % (state, ' or state='.join(BATCH_STATES)), field='images')
    images = []
    seen = {}
    for index, entry in enumerate(entries):
        where = 'images[%d]' % index
        merged = dict(params, images=None)
        merged.update((key, value) for key, value in (entry or {}).items() if value is not None)
        _check_entry(state, merged, where)
        identity = _entry_identity(state, merged)
        if identity is not None:
            if identity in seen:
                raise InputError('%s: same %s as %s: each image of a task needs its own'
                                 % (where, identity, seen[identity]), field=where)
            seen[identity] = where
        images.append((where, merged))
    return images


def batch_result(results):
    """The result of a task of several images: each image's result under ``results`` (in the
    order of ``images``), changed when one changed, their actions in order, their diffs as a list."""
    diffs = [result.pop('diff') for result in results if 'diff' in result]
    result = {'changed': any(bool(result.get('changed')) for result in results), 'results': results,
              'actions': [action for result in results for action in result.get('actions') or []]}
    if diffs:
        result['diff'] = diffs
    return result
