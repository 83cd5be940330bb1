# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # The live log of the long operations of a module (module_utils/_live_log.py).
    DOCUMENTATION = r'''
options:
  log_path:
    description:
      - Absolute path of a live log on the managed host. Every line of progress of the long
        operations of the task (builds, bootstraps, conversions, pushes, uploads) is appended
        there as it happens, with the time, so that C(tail -f) follows a task that Ansible shows
        only when it ends.
      - Each run appends a header line, so the output of an earlier build stays; a log over
        64 MiB is rotated once to C(log_path.1).
      - The result returns O(log_path) always and the lines of this run (up to 2000, the last
        ones) as RV(log_lines) with C(-v).
      - The roles of this collection set it to C(casa_log_dir/<stage>-<host>.log) and print the
        path before the task starts.
    type: path
'''
