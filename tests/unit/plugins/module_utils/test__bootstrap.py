# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils import _bootstrap


def test_argv_defaults():
    argv = _bootstrap.debootstrap_argv({'suite': 'bookworm'}, '/tmp/root', 'debootstrap')
    assert argv == ['debootstrap', '--variant=minbase', '--components=main', 'bookworm', '/tmp/root',
                    'http://deb.debian.org/debian']


def test_argv_with_packages_components_and_arch():
    argv = _bootstrap.debootstrap_argv({'suite': 'jammy', 'mirror': 'http://m/ubuntu', 'packages': ['b', 'a', 'a'],
                                        'components': ['main', 'universe'], 'arch': 'amd64'}, '/r')
    assert '--include=a,b' in argv and '--components=main,universe' in argv and '--arch=amd64' in argv
    assert argv[-3:] == ['jammy', '/r', 'http://m/ubuntu']


def test_spec_hash_ignores_package_order_and_work_dir():
    one = _bootstrap.spec_hash({'suite': 'bookworm', 'packages': ['a', 'b'], 'work_dir': '/x'})
    two = _bootstrap.spec_hash({'suite': 'bookworm', 'packages': ['b', 'a'], 'mirror': None})
    assert one == two
    assert one != _bootstrap.spec_hash({'suite': 'bookworm', 'packages': ['a']})
    assert one != _bootstrap.spec_hash({'suite': 'trixie', 'packages': ['a', 'b']})


def test_import_changes_label_the_inputs():
    changes, labels = _bootstrap.import_changes({'suite': 'bookworm'}, 'sha256:x')
    assert labels[_bootstrap.BOOTSTRAP_HASH_LABEL] == 'sha256:x'
    assert changes[0].startswith('LABEL ') and '"sha256:x"' in changes[0]
    assert 'CMD ["/bin/bash"]' in changes
