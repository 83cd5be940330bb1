# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip from a host outside PyPI, which this project's machines cannot
reach; tests/utils/ansible-test.sh places this file in its cache instead. It runs as __main__
with pip's install arguments: install the bundled pip with ensurepip, then the requested
packages (pip itself at the version ansible-test wants) from PyPI.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip.py's own flags; pip install would reject them.
GET_PIP_ONLY_FLAGS = ('--no-setuptools', '--no-wheel')


def main():
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + arguments)


if __name__ == '__main__':
    main()
