# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one client for debootstrap (casa-distro's create_base_image type=system).

Builds the argv in one place and runs it through _process (C locale, output tail on failure).
The root filesystem is streamed as a tar archive into ``docker import`` by the caller, so no
public registry is needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._process import Process, run

BOOTSTRAP_HASH_LABEL = 'io.casa-distro.bootstrap-hash'
DEFAULT_MIRROR = 'http://deb.debian.org/debian'
OUTPUT_TAIL_LINES = 25


class BootstrapError(CasaError):
    """debootstrap is missing, may not run, or failed."""


def normalize_spec(spec):
    """The bootstrap inputs that decide the result, with defaults filled in."""
    return {
        'suite': spec['suite'],
        'mirror': spec.get('mirror') or DEFAULT_MIRROR,
        'variant': spec.get('variant') or 'minbase',
        'packages': sorted(set(spec.get('packages') or [])),
        'components': list(spec.get('components') or ['main']),
        'arch': spec.get('arch') or '',
    }


def spec_hash(spec):
    """The hash of the bootstrap inputs, recorded in the image label BOOTSTRAP_HASH_LABEL."""
    return 'sha256:' + hashlib.sha256(json.dumps(normalize_spec(spec), sort_keys=True).encode()).hexdigest()


def debootstrap_argv(spec, target_dir, executable='debootstrap'):
    spec = normalize_spec(spec)
    argv = [executable, '--variant=%s' % spec['variant'], '--components=%s' % ','.join(spec['components'])]
    if spec['packages']:
        argv.append('--include=%s' % ','.join(spec['packages']))
    if spec['arch']:
        argv.append('--arch=%s' % spec['arch'])
    argv += [spec['suite'], target_dir, spec['mirror']]
    return argv


def import_changes(spec, digest):
    """Dockerfile instructions applied at import: labels recording the inputs, a shell CMD."""
    spec = normalize_spec(spec)
    labels = {
        BOOTSTRAP_HASH_LABEL: digest,
        'io.casa-distro.bootstrap.suite': spec['suite'],
        'io.casa-distro.bootstrap.variant': spec['variant'],
        'io.casa-distro.bootstrap.mirror': spec['mirror'],
    }
    label_args = ' '.join('%s=%s' % (key, json.dumps(value)) for key, value in sorted(labels.items()))
    return ['LABEL ' + label_args, 'ENV LANG=C.UTF-8', 'CMD ["/bin/bash"]'], labels


class Debootstrap:
    """Runs debootstrap into a scratch directory and streams the result as a tar archive."""

    def __init__(self, executable=None, work_dir=None, on_line=None):
        self.executable = executable or shutil.which('debootstrap') or '/usr/sbin/debootstrap'
        self.work_dir = work_dir
        # debootstrap's output, line by line as it runs, for a live log.
        self.on_line = on_line

    def build_rootfs(self, spec):
        """Run debootstrap; returns (scratch directory, root filesystem inside it)."""
        if not os.path.exists(self.executable):
            raise BootstrapError('debootstrap is not installed on this host (looked for %s); '
                                 'install the debootstrap package' % self.executable)
        if os.geteuid() != 0:
            raise BootstrapError('debootstrap must run as root (become: true)')
        scratch = tempfile.mkdtemp(prefix='casa-bootstrap-', dir=self.work_dir)
        rootfs = os.path.join(scratch, 'rootfs')
        argv = debootstrap_argv(spec, rootfs, self.executable)
        result = run(argv, what='debootstrap', env={'DEBIAN_FRONTEND': 'noninteractive'}, check=False,
                     merge_stderr=True, on_line=self.on_line)
        if result.rc != 0:
            output = result.text.splitlines()
            self.cleanup(scratch)
            raise BootstrapError('debootstrap of %s from %s failed (rc=%d): %s'
                                 % (spec['suite'], normalize_spec(spec)['mirror'], result.rc,
                                    output[-1] if output else 'no output'),
                                 command=result.argv, rc=result.rc, stdout_lines=output[-OUTPUT_TAIL_LINES:])
        return scratch, rootfs

    @staticmethod
    def tar_stream(rootfs):
        """A tar Process whose stdout is the root filesystem, numeric owners kept (a context
        manager: leaving it kills tar)."""
        return Process(['tar', '--numeric-owner', '-C', rootfs, '-c', '.'],
                       what='tar of the bootstrapped root filesystem', stdout=True)

    @staticmethod
    def cleanup(scratch):
        shutil.rmtree(scratch, ignore_errors=True)
