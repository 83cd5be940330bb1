# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A no-op release against the first one: playbooks/release.yml on the bundled local inventory,
run twice into a private scratch directory (target, issue 11: the no-op run takes at most 10 %
of the first).

The inventory's paths and names are overridden with ``-e`` so that the measurement touches
nothing a real ``make release`` made: the state directory (release plan, demo remotes, SIFs,
download area, subuser repository) is a fresh directory, and every image, the Debian base
included, is named under the benchmark's own registry prefix (``casa_image_prefix``). The first
run is then what a build host does the first time: it bootstraps the base with debootstrap,
builds the family on it (a new base, so no layer of Docker's cache applies), pushes, converts,
publishes. The provisioning stage (packages, daemons, nginx) is left out of both runs unless
CASA_BENCH_PROVISION=1: it is the host's set-up, not the release, and would start a second nginx;
benchmarks/bench_make_release.py measures the whole ``make release`` on a fresh Debian.

Environment: CASA_BENCH_DIR (where the scratch directory goes), CASA_BENCH_PREFIX (registry
prefix of the images, default casa-bench-release), CASA_BENCH_NETWORK (network of RUN steps,
e.g. ``none`` where the default bridge is unavailable), CASA_BENCH_PORT (download URL port).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import COLLECTIONS, ROOT, ensure_collection_link, report  # noqa: E402  pylint: disable=wrong-import-position

WORK = os.environ.get('CASA_BENCH_DIR', '/var/tmp/casa-distro-bench')
PREFIX = os.environ.get('CASA_BENCH_PREFIX', 'casa-bench-release')
REGISTRY = '127.0.0.1:5000'
INVENTORY = os.path.join(ROOT, 'examples', 'inventory', 'local.yml')
PLAYBOOK = os.path.join(ROOT, 'playbooks', 'release.yml')


def extra_vars(scratch):
    """The inventory's values that point at shared places, pointed at the scratch directory and
    the benchmark's own image names."""
    port = os.environ.get('CASA_BENCH_PORT', '8089')
    images = '%s/%s/' % (REGISTRY, PREFIX)
    sif = [{'image': images + 'casa-run:5.3', 'name': 'casa-run-5.3',
            'metadata': {'type': 'run', 'system': 'debian-12', 'image_version': '5.3'}},
           {'image': images + 'casa-dev:5.3', 'name': 'casa-dev-5.3',
            'metadata': {'type': 'dev', 'system': 'debian-12', 'image_version': '5.3'}}]
    sources = [{'name': 'casa-run', 'image': images + 'casa-run:5.3',
                'permissions': {'description': 'CASA runtime environment (casa-run 5.3)',
                                'maintainer': 'casa.distro', 'executable': '/bin/bash'}},
               {'name': 'casa-tool', 'image': images + 'casa-tool:1.0',
                'permissions': {'description': 'The casa-hello tool', 'maintainer': 'casa.distro',
                                'executable': '/casa/install/bin/casa-hello'}}]
    values = {'casa_state_dir': scratch, 'casa_download_url': 'http://127.0.0.1:%s' % port,
              'publish_server_listen': '127.0.0.1:%s' % port, 'casa_image_prefix': images,
              'singularity_images_list': sif, 'subuser_repository_sources': sources,
              'singularity_images_transfer_dir': os.path.join(scratch, 'sif-transfer')}
    if os.environ.get('CASA_BENCH_NETWORK'):
        values['docker_images_network'] = os.environ['CASA_BENCH_NETWORK']
    return values


def slowest_tasks(junit_dir, count=8):
    """(seconds, task name) of the slowest tasks of a run, from the junit callback's report."""
    times = []
    for name in os.listdir(junit_dir):
        if name.endswith('.xml'):
            for case in ElementTree.parse(os.path.join(junit_dir, name)).iter('testcase'):
                times.append((float(case.get('time') or 0), case.get('name') or '?'))
    return sorted(times, reverse=True)[:count]


def run_release(vars_file, log_path, junit_dir=None):
    """One run of the release playbook; returns (seconds, changed tasks of the recap)."""
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', INVENTORY, PLAYBOOK,
            '-e', '@' + vars_file]
    if os.environ.get('CASA_BENCH_PROVISION') != '1':
        argv += ['--skip-tags', 'provision']
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    if junit_dir:
        # Per-task times, beside the bundled ansible.cfg's summary callback.
        env.update(ANSIBLE_CALLBACKS_ENABLED='casa.distro.release_summary,junit', JUNIT_OUTPUT_DIR=junit_dir,
                   JUNIT_TASK_CLASS='yes')
    start = time.perf_counter()
    with open(log_path, 'wb') as log:
        proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - start
    with open(log_path, encoding='utf-8', errors='replace') as log:
        text = log.read()
    if proc.returncode != 0:
        raise RuntimeError('release.yml failed (rc=%d), log %s:\n%s' % (proc.returncode, log_path, text[-3000:]))
    changed = sum(int(count) for count in re.findall(r'\bchanged=(\d+)', text))
    return seconds, changed


def main():
    ensure_collection_link()
    os.makedirs(WORK, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix='release-', dir=WORK)
    try:
        subprocess.run(['bash', os.path.join(ROOT, 'examples', 'components', 'make-demo-remotes.sh'),
                        os.path.join(scratch, 'demo')], check=True, stdout=subprocess.DEVNULL)
        vars_file = os.path.join(scratch, 'bench-vars.json')
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(extra_vars(scratch), handle)
        first, first_changed = run_release(vars_file, os.path.join(WORK, 'release-first.log'))
        print('  first run: %.1f s, %d changed task(s)' % (first, first_changed), flush=True)
        junit_dir = os.path.join(scratch, 'junit')
        second, second_changed = run_release(vars_file, os.path.join(WORK, 'release-noop.log'), junit_dir)
        print('  no-op run: %.1f s, %d changed task(s); its slowest tasks:' % (second, second_changed), flush=True)
        for seconds, name in slowest_tasks(junit_dir):
            print('    %6.1f s  %s' % (seconds, name.split(': ', 1)[-1][:110]))
        ok = report('no-op release.yml run (scratch state, local inventory)', second, first, 'first run',
                    'ratio<=0.10')
        if second_changed:
            print('  the no-op run changed %d task(s): see %s' % (second_changed, os.path.join(WORK, 'release-noop.log')))
            ok = False
        return 0 if ok else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        names = subprocess.run(['docker', 'images', '--format', '{{.Repository}}:{{.Tag}}',
                                '%s/%s/*' % (REGISTRY, PREFIX)], stdout=subprocess.PIPE, check=False).stdout.split()
        if names:
            subprocess.call(['docker', 'rmi', '-f'] + [name.decode() for name in names],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == '__main__':
    sys.exit(main())
