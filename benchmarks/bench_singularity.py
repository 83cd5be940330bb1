# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Figures of casa_singularity_image's native conversion, as ratios measured in one run.

Run from the repository root after ``make link``::

    .venv/bin/python benchmarks/bench_singularity.py [--compression gzip] [--repeat 1]

It builds a ~300 MB image (the bootstrapped Debian base plus python3-minimal from apt), then
times, with the same compression:

* the native conversion (``_sif.converter.SingularityConverter``, backend native, force);
* ``apptainer build`` from a docker-archive of the same image, in the Apptainer container of
  tests/integration/targets/setup_apptainer (made when missing);
* the raw ``docker create`` + ``docker export | sqfstar`` pipeline (the squashfs tool and options
  of the native back end), the practical limit here;
* a no-op re-run of the native conversion (the module in its own process, as Ansible runs it).

Targets: native/apptainer <= 0.7, native/raw <= 1.15, no-op <= 1 s. The exit status is 1 when
a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, '.build', 'collections'))

from _common import run_module  # noqa: E402  (benchmarks/_common.py)
from ansible_collections.casa.distro.plugins.module_utils._sif.converter import COMPRESSIONS, SingularityConverter  # noqa: E402
from ansible_collections.casa.distro.plugins.module_utils._sif.squashfs import cpu_count  # noqa: E402
from ansible_collections.casa.distro.plugins.module_utils._docker import DockerClient  # noqa: E402
from ansible_collections.casa.distro.plugins.module_utils._docker_image.manager import DockerImageManager  # noqa: E402

BASE = '127.0.0.1:5000/casa/debian:bookworm'
IMAGE = 'casa-bench/sif-python3:latest'
APPTAINER_IMAGE = 'casa-test/apptainer:sid'
SETUP_APPTAINER = os.path.join(TOP, 'tests', 'integration', 'targets', 'setup_apptainer', 'files',
                               'setup-apptainer.sh')
DOCKER_RUN = ['docker', 'run', '--rm', '--cap-add', 'SYS_ADMIN', '--security-opt', 'seccomp=unconfined',
              '--security-opt', 'apparmor=unconfined', '--device', '/dev/fuse']


def log(message):
    print('bench_singularity: %s' % message, flush=True)


def ensure_base(client):
    if client.image_id(BASE):
        return
    log('bootstrapping %s (debootstrap, once)' % BASE)
    repository, tag = BASE.rsplit(':', 1)
    params = {'state': 'present', 'source': 'bootstrap', 'name': repository, 'tags': [tag],
              'bootstrap': {'suite': 'bookworm', 'mirror': 'http://deb.debian.org/debian',
                            'variant': 'minbase', 'packages': [], 'components': ['main'],
                            'arch': None, 'work_dir': None},
              'force': False, 'push': False, 'context_hash_cache': '', 'image_names': ['*'],
              'name_prefix': '', 'template_parameters': {}, 'build_args': {}, 'labels': {}}
    DockerImageManager(params, client).run()


def ensure_image(client):
    ensure_base(client)
    if client.image_id(IMAGE):
        return
    log('building %s (%s + python3-minimal)' % (IMAGE, BASE))
    context = tempfile.mkdtemp(prefix='casa-bench-')
    try:
        with open(os.path.join(context, 'Dockerfile'), 'w') as handle:
            handle.write('FROM %s\n'
                         'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y '
                         '--no-install-recommends python3-minimal python3 && rm -rf /var/lib/apt/lists/*\n'
                         'ENV BENCH=1\nCMD ["python3", "--version"]\n' % BASE)
        client.build(context, IMAGE)
    finally:
        shutil.rmtree(context, ignore_errors=True)


def ensure_apptainer():
    proc = subprocess.run(['bash', SETUP_APPTAINER, APPTAINER_IMAGE], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        sys.exit('setup-apptainer failed:\n%s' % proc.stdout.decode())


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--compression', default='gzip', choices=COMPRESSIONS)
    parser.add_argument('--repeat', type=int, default=3,
                        help='rounds; ratios are the median of the per-round ratios')
    parser.add_argument('--work-dir', default=None, help='where the SIFs go (default: a temporary directory)')
    args = parser.parse_args()

    client = DockerClient()
    ensure_image(client)
    ensure_apptainer()
    work = tempfile.mkdtemp(prefix='casa-bench-sif-', dir=args.work_dir)
    jobs = cpu_count()
    try:
        image_id = client.image_id(IMAGE)
        size = client.inspect_image(IMAGE)['Size']
        log('image %s: %d MB, %d cores, compression %s' % (IMAGE, size // 1000000, jobs, args.compression))
        archive = os.path.join(work, 'image.tar')
        with open(archive, 'wb') as handle:
            for chunk in client.saved_image(IMAGE):
                handle.write(chunk)
        params = {'image': IMAGE, 'dest': os.path.join(work, 'native.sif'), 'backend': 'native',
                  'compression': args.compression, 'force': True, 'metadata': {}, 'v2_files': False,
                  'jobs': jobs, 'archive': None, 'pull': False, 'dockerfile': None}

        def native():
            SingularityConverter(dict(params), client).run()

        def noop():
            # As Ansible runs it: a module process, connecting to the daemon, deciding, exiting.
            args = dict((key, value) for key, value in params.items() if value is not None)
            dummy_seconds, result = run_module('casa_singularity_image', dict(args, force=False))
            assert not result['changed'], result['actions']

        def raw():
            container = subprocess.run(['docker', 'create', image_id, '/bin/true'], check=True,
                                       stdout=subprocess.PIPE).stdout.decode().strip()
            try:
                subprocess.run('docker export %s | sqfstar -quiet -no-progress -force -exports -noI -comp %s '
                               '-processors %d %s' % (container, args.compression, jobs,
                                                      os.path.join(work, 'raw.sqfs')),
                               shell=True, check=True)
            finally:
                subprocess.run(['docker', 'rm', '-f', container], stdout=subprocess.DEVNULL, check=False)

        def apptainer():
            run(DOCKER_RUN + ['-v', '%s:/w' % work, APPTAINER_IMAGE, 'apptainer', '-s', 'build', '-F',
                              '--mksquashfs-args', '-comp %s' % args.compression,
                              '/w/apptainer.sif', 'docker-archive:///w/image.tar'])

        best = {}
        round_ratios = []
        for round_number in range(args.repeat):
            times = {}
            # native sits between its two references, so that a load change on a shared machine
            # hits the ratios of a round as little as possible.
            for name, function in (('raw', raw), ('native', native), ('apptainer', apptainer), ('noop', noop)):
                times[name] = timed(function)
                log('round %d: %-9s %6.2f s' % (round_number + 1, name, times[name]))
                best[name] = min(best.get(name, times[name]), times[name])
            round_ratios.append((times['native'] / times['apptainer'], times['native'] / times['raw']))
            log('round %d: native/apptainer %.2f, native/raw %.2f' % ((round_number + 1,) + round_ratios[-1]))
        sizes = dict((name, os.path.getsize(os.path.join(work, name + suffix)))
                     for name, suffix in (('native', '.sif'), ('apptainer', '.sif'), ('raw', '.sqfs')))
        # The median of the per-round ratios: robust to a load spike in one round.
        ratio_apptainer = sorted(r[0] for r in round_ratios)[len(round_ratios) // 2]
        ratio_raw = sorted(r[1] for r in round_ratios)[len(round_ratios) // 2]
        print()
        print('native conversion      %6.2f s  (%d MB SIF)' % (best['native'], sizes['native'] // 1000000))
        print('apptainer build        %6.2f s  (%d MB SIF)' % (best['apptainer'], sizes['apptainer'] // 1000000))
        print('docker export|sqfstar  %6.2f s  (%d MB squashfs)' % (best['raw'], sizes['raw'] // 1000000))
        print('no-op re-run           %6.2f s' % best['noop'])
        print('native / apptainer     %6.2f   (target <= 0.70; median of %d round(s))' % (ratio_apptainer, args.repeat))
        print('native / raw pipeline  %6.2f   (target <= 1.15; median of %d round(s))' % (ratio_raw, args.repeat))
        missed = [text for ok, text in ((ratio_apptainer <= 0.7, 'native/apptainer'),
                                        (ratio_raw <= 1.15, 'native/raw'),
                                        (best['noop'] <= 1.0, 'no-op')) if not ok]
        print('targets missed: %s' % (', '.join(missed) if missed else 'none'))
        return 1 if missed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
