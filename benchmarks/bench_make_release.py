# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make release` on a fresh Debian 12 machine, first run against the no-op run (target, issue
11: the no-op run takes at most 10 % of the first).

The README promises: on a fresh Debian 12 machine, as root, in a clone of this repository,
`make release` does all the set-up itself. The "fresh machine" here is a container of the
project's bootstrapped minbase image (127.0.0.1:5000/casa/debian:bookworm, made when missing)
with only what a user needs to get a clone: `git`, `make` and `ca-certificates`, installed with
apt before the clock starts. Everything else (python3 and venv, Docker Engine, the registry,
nginx, squashfs tools, debootstrap, the virtualenv and its packages from PyPI) must come from
`make release` itself. The container also gets the host's local CA certificates
(/usr/local/share/ca-certificates) and pip's matching `cert` setting, so that it reaches the
Debian mirror and PyPI the way this host does; nothing else of the host goes in.

The container runs its own dockerd (docker-in-docker: all capabilities but SYS_RESOURCE, no
seccomp or AppArmor profile, /var/lib/docker on a Docker volume since overlay2 cannot sit on
overlay). The repository goes in as a bare copy of HEAD, read-only, and is cloned from there:
the working tree is a git clone at HEAD, as a user's would be; uncommitted changes are not in it.

Both runs are timed from the host around `docker exec ... make release`. The first run's output
is in CASA_BENCH_DIR/make-release-first.log (each line stamped with the seconds since the start),
the no-op's in make-release-noop.log. The no-op run must end with changed=0 on the playbook's
PLAY RECAP; its CPU time (the container's cgroup) is printed too, a figure that depends much less
than wall time on what else a shared machine runs. Container, volume and temporary directory are
removed at the end, also on failure, Ctrl-C or SIGTERM, unless CASA_BENCH_KEEP=1 (then
`docker exec -it casa-fresh-host bash` to look around).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import ROOT, report, run_module  # noqa: E402  pylint: disable=wrong-import-position

BASE = '127.0.0.1:5000/casa/debian:bookworm'
WORK = os.environ.get('CASA_BENCH_DIR', '/var/tmp/casa-distro-bench')
CONTAINER = 'casa-fresh-host'
VOLUME = 'casa-fresh-docker'
CLONE = '/root/casa.distro'
USER_PACKAGES = ['git', 'make', 'ca-certificates']
# The lines make echoes before each step of `make release`: where the first run's time goes.
STEPS = [('setup-host.sh', re.compile(r'^bash scripts/setup-host\.sh')),
         ('virtualenv', re.compile(r'^\S*python3? -m venv ')),
         ('demo remotes', re.compile(r'^bash examples/components/make-demo-remotes\.sh')),
         ('playbook', re.compile(r'^\S*/ansible-playbook '))]
RECAP = re.compile(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s.*$')


def docker(*argv, **kwargs):
    """The docker CLI, failing loudly with its output."""
    proc = subprocess.run(['docker'] + list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False, **kwargs)
    output = proc.stdout.decode(errors='replace')
    if proc.returncode != 0:
        raise RuntimeError('docker %s failed (rc=%d): %s' % (' '.join(argv[:3]), proc.returncode, output[-2000:]))
    return output


def in_container(script):
    return docker('exec', CONTAINER, 'bash', '-euo', 'pipefail', '-c', script)


def bare_copy(scratch):
    """A bare repository holding HEAD as the branch main, for the container to clone."""
    bare = os.path.join(scratch, 'casa.distro.git')
    subprocess.run(['git', 'init', '-q', '--bare', '-b', 'main', bare], check=True)
    subprocess.run(['git', '-C', ROOT, 'push', '-q', bare, 'HEAD:refs/heads/main'], check=True)
    return bare


def start_machine(scratch):
    """The fresh Debian 12 machine: the minbase image, its own dockerd's storage on a volume, the
    user's three packages and the clone."""
    docker('volume', 'create', VOLUME)
    docker('run', '-d', '--name', CONTAINER, '--hostname', 'casa-fresh',
           '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE', '--security-opt', 'seccomp=unconfined',
           '--security-opt', 'apparmor=unconfined', '--tmpfs', '/run', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
           '-v', VOLUME + ':/var/lib/docker', '-v', scratch + ':/casa-fresh-src:ro',
           BASE, 'sleep', 'infinity')
    # The network's own CA certificates (an intercepting proxy), as this host has them.
    in_container('mkdir -p /usr/local/share/ca-certificates')
    for cert in glob.glob('/usr/local/share/ca-certificates/*.crt'):
        docker('cp', cert, '%s:/usr/local/share/ca-certificates/' % CONTAINER)
    start = time.perf_counter()
    in_container('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq '
                 '--no-install-recommends %s >/dev/null && update-ca-certificates >/dev/null && '
                 'printf "[global]\\ncert = /etc/ssl/certs/ca-certificates.crt\\n" >/etc/pip.conf && '
                 'git clone -q /casa-fresh-src/casa.distro.git %s' % (' '.join(USER_PACKAGES), CLONE))
    seconds = time.perf_counter() - start
    print('  the user\'s part (apt-get install %s, git clone): %.1f s' % (' '.join(USER_PACKAGES), seconds), flush=True)


def container_cpu():
    """CPU seconds the container's processes used so far (its cgroup, v1 or v2), or None. The
    builds of the inner dockerd are counted elsewhere: only meaningful for the no-op run."""
    ident = docker('inspect', '-f', '{{.Id}}', CONTAINER).strip()
    for path, scale in (('/sys/fs/cgroup/cpuacct/docker/%s/cpuacct.usage', 1e-9),
                        ('/sys/fs/cgroup/system.slice/docker-%s.scope/cpu.stat', 1e-6),
                        ('/sys/fs/cgroup/docker/%s/cpu.stat', 1e-6)):
        try:
            with open(path % ident, encoding='ascii') as handle:
                text = handle.read()
        except OSError:
            continue
        match = re.search(r'(?:^|usage_usec )(\d+)', text)
        return int(match.group(1)) * scale if match else None
    return None


def make_release(log_path):
    """One `make release` in the clone; returns (seconds, [(seconds since start, line)])."""
    stamped = []
    start = time.perf_counter()
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.Popen(['docker', 'exec', '-w', CLONE, CONTAINER, 'make', 'release'],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for raw in proc.stdout:
            stamped.append((time.perf_counter() - start, raw.decode(errors='replace').rstrip('\n')))
            log.write('%8.1f %s\n' % stamped[-1])
            log.flush()
        returncode = proc.wait()
    seconds = time.perf_counter() - start
    if returncode != 0:
        raise RuntimeError('make release failed (rc=%d) after %.1f s; the end of %s:\n%s'
                           % (returncode, seconds, log_path, '\n'.join(line for dummy, line in stamped[-40:])))
    return seconds, stamped


def recap(stamped):
    """The host lines of the playbook's last PLAY RECAP and the sum of their changed counts."""
    lines = [line for dummy, line in stamped]
    starts = [index for index, line in enumerate(lines) if line.startswith('PLAY RECAP')]
    if not starts:
        raise RuntimeError('no PLAY RECAP in the output of make release')
    found = [(line.strip(), int(match.group(2))) for line in lines[starts[-1] + 1:]
             for match in [RECAP.match(line.strip())] if match]
    return [line for line, dummy in found], sum(count for dummy, count in found)


def spans(stamped, total, patterns):
    """(seconds, name) from each line matching one of the (name, pattern) pairs to the next one."""
    marks = [(offset, name(line) if callable(name) else name)
             for offset, line in stamped for name, pattern in patterns if pattern.match(line)]
    bounds = marks + [(total, 'end')]
    return [(end - begin, name) for (begin, name), (end, dummy) in zip(bounds, bounds[1:])]


def print_split(stamped, total):
    """Where a run's time went, from the command lines make echoed."""
    for seconds, name in spans(stamped, total, STEPS):
        print('    %-15s %7.1f s' % (name, seconds))


def print_slowest_tasks(stamped, total, count=8):
    """The slowest tasks of a run, from the times of Ansible's task and play headers."""
    headers = [(lambda line: line.strip(' *'), re.compile(r'^(TASK|PLAY|RUNNING HANDLER) \['))]
    for seconds, name in sorted(spans(stamped, total, headers), reverse=True)[:count]:
        print('    %6.1f s  %s' % (seconds, name[:110]))


def bench():
    scratch = tempfile.mkdtemp(prefix='casa-fresh-', dir=WORK)
    try:
        bare_copy(scratch)
        start_machine(scratch)
        first, stamped = make_release(os.path.join(WORK, 'make-release-first.log'))
        print('  first make release: %.1f s, of which:' % first, flush=True)
        print_split(stamped, first)
        cpu = container_cpu()
        second, stamped = make_release(os.path.join(WORK, 'make-release-noop.log'))
        lines, changed = recap(stamped)
        if cpu is not None:
            # Wall time on a shared machine follows its load; CPU time much less.
            cpu = ' (%.1f s of CPU in the container)' % (container_cpu() - cpu)
        print('  no-op make release: %.1f s%s, of which:' % (second, cpu or ''), flush=True)
        print_split(stamped, second)
        print('  its slowest tasks:')
        print_slowest_tasks(stamped, second)
        print('  its PLAY RECAP:')
        for line in lines:
            print('    ' + line)
        ok = report('no-op make release on a fresh Debian 12 clone', second, first, 'first run', 'ratio<=0.10')
        if changed:
            print('  the no-op run changed %d task(s): see %s' % (changed, os.path.join(WORK, 'make-release-noop.log')))
            ok = False
        return 0 if ok else 1
    finally:
        cleanup(scratch)


def cleanup(scratch):
    if os.environ.get('CASA_BENCH_KEEP') == '1':
        print('  kept (CASA_BENCH_KEEP=1): container %s, volume %s, %s' % (CONTAINER, VOLUME, scratch))
        return
    for argv in (['rm', '-f', CONTAINER], ['volume', 'rm', '-f', VOLUME]):
        subprocess.call(['docker'] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(scratch, ignore_errors=True)


def interrupted(signum, dummy_frame):
    raise KeyboardInterrupt('signal %d' % signum)


def main():
    os.makedirs(WORK, exist_ok=True)
    signal.signal(signal.SIGTERM, interrupted)
    if subprocess.call(['docker', 'inspect', CONTAINER], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
        print('bench_make_release: a container %s exists (a kept run?): docker rm -f %s; docker volume rm %s'
              % (CONTAINER, CONTAINER, VOLUME))
        return 1
    run_module('casa_docker_image', {'source': 'bootstrap', 'name': BASE, 'bootstrap': {'suite': 'bookworm'}})
    try:
        return bench()
    except RuntimeError as error:
        print('bench_make_release: %s' % error)
        return 1


if __name__ == '__main__':
    sys.exit(main())
