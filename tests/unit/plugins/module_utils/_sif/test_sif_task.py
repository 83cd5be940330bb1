# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._sif.task import SifTask


def test_partial_results_carry_what_was_done_without_sharing_state():
    task = SifTask({'dest': 'x.sif'}, check_mode=True)
    task.result['dest'] = 'x.sif'
    task.actions.append('Pulled debian:bookworm')
    task.changed = True
    partial = task.partial_results()
    assert partial == {'dest': 'x.sif', 'changed': True, 'actions': ['Pulled debian:bookworm']}
    partial['dest'] = 'other'
    assert task.result == {'dest': 'x.sif'} and task.check_mode
