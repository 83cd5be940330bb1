# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image import debootstrap
from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError


def test_argv_defaults():
    argv = debootstrap.debootstrap_argv({'suite': 'bookworm'}, '/target/root', 'debootstrap')
    assert argv == ['debootstrap', '--variant=minbase', '--components=main', 'bookworm', '/target/root',
                    'http://deb.debian.org/debian']


def test_argv_with_packages_components_and_arch():
    argv = debootstrap.debootstrap_argv({'suite': 'jammy', 'mirror': 'http://m/ubuntu', 'packages': ['b', 'a', 'a'],
                                         'components': ['main', 'universe'], 'arch': 'amd64'}, '/r')
    assert '--include=a,b' in argv and '--components=main,universe' in argv and '--arch=amd64' in argv
    assert argv[-3:] == ['jammy', '/r', 'http://m/ubuntu']


def test_spec_hash_ignores_package_order_and_work_dir():
    one = debootstrap.spec_hash({'suite': 'bookworm', 'packages': ['a', 'b'], 'work_dir': '/x'})
    two = debootstrap.spec_hash({'suite': 'bookworm', 'packages': ['b', 'a'], 'mirror': None})
    assert one == two
    assert one != debootstrap.spec_hash({'suite': 'bookworm', 'packages': ['a']})
    assert one != debootstrap.spec_hash({'suite': 'trixie', 'packages': ['a', 'b']})


def test_import_changes_label_the_inputs():
    changes, labels = debootstrap.import_changes({'suite': 'bookworm'}, 'sha256:x')
    assert labels[debootstrap.BOOTSTRAP_HASH_LABEL] == 'sha256:x'
    assert changes[0].startswith('LABEL ') and '"sha256:x"' in changes[0]
    assert 'CMD ["/bin/bash"]' in changes


def test_tar_stream_is_the_root_filesystem(tmp_path):
    (tmp_path / 'etc').mkdir()
    (tmp_path / 'etc' / 'hostname').write_text('x')
    with debootstrap.Debootstrap.tar_stream(str(tmp_path)) as tar:
        data = tar.stdout.read()
        assert tar.wait() == 0
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert './etc/hostname' in archive.getnames()


def test_missing_debootstrap_is_explained(tmp_path):
    with pytest.raises(debootstrap.BootstrapError) as err:
        debootstrap.Debootstrap(executable=str(tmp_path / 'nope')).build_rootfs({'suite': 'bookworm'})
    assert 'debootstrap is not installed' in str(err.value) and isinstance(err.value, CasaError)


def test_failed_debootstrap_reports_command_and_output(tmp_path, monkeypatch):
    fake = tmp_path / 'debootstrap'
    fake.write_text('#!/bin/sh\necho "I: Retrieving Release"\necho "E: Failed getting release file" >&2\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setattr(debootstrap.os, 'geteuid', lambda: 0)
    with pytest.raises(debootstrap.BootstrapError) as err:
        debootstrap.Debootstrap(executable=str(fake), work_dir=str(tmp_path)).build_rootfs({'suite': 'nosuch'})
    assert 'debootstrap of nosuch from http://deb.debian.org/debian failed (rc=1): E: Failed getting release file' in str(err.value)
    assert err.value.details['rc'] == 1 and err.value.details['command'][0] == str(fake)
    assert err.value.details['stdout_lines'] == ['I: Retrieving Release', 'E: Failed getting release file']
    assert [p.name for p in tmp_path.iterdir()] == ['debootstrap']  # scratch directory removed
