# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: runs every benchmarks/bench_*.py in turn (or those named on the command line)
and prints their figures; exits non-zero when one of them fails to run."""

from __future__ import annotations

import glob
import os
import subprocess
import sys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    scripts = sys.argv[1:] or sorted(glob.glob(os.path.join(here, 'bench_*.py')))
    failed = []
    for script in scripts:
        print('== %s' % os.path.basename(script), flush=True)
        if subprocess.call([sys.executable, script]) != 0:
            failed.append(os.path.basename(script))
    if failed:
        print('benchmarks that did not run to the end: %s' % ', '.join(failed))
        sys.exit(1)


if __name__ == '__main__':
    main()
