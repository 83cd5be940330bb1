# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""casa_docker_image figures, each against the raw docker CLI measured in the same run.

1. A build of 10 s or more of a 256 MB context through the module vs `docker build` of the same
   context in the same run, both without the layer cache. Target (issue 11): the module adds at
   most 3 % or 0.5 s, whichever is larger, by reusing its digest cache rather than reading the
   context twice. RUN steps use no network (`--network none` for both), so that the figure does
   not depend on the default bridge. An untimed round warms the page cache, the daemon and the
   module's digest cache; then each round builds with both, in turns (each goes first in half of
   the rounds: the second build of a round pays for the daemon still cleaning up after the first),
   and the time the module adds is the mean of the per-round differences, judged with its
   standard error (met only when the mean plus two standard errors is within the target; see
   judge_added). Two more rounds give
   the same figure with a cold digest cache (a context the module has never seen: it hashes the
   whole context before sending it), for the record.
2. A no-op re-run on a 1 GB context (target: <= 2 s), against `docker build` of the same
   context with a warm layer cache (which still sends the whole context to the daemon).

Needs the daemon and the bootstrapped base image (make release or the setup_base_image target
make it; this script bootstraps it when missing).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import median, report, run_module, run_timed  # noqa: E402  pylint: disable=wrong-import-position

BASE = '127.0.0.1:5000/casa/debian:bookworm'
WORK = os.environ.get('CASA_BENCH_DIR', '/var/tmp/casa-distro-bench')
# An even number of rounds: each side goes first in half of them.
# 20 rounds: about 10 minutes, and two standard errors of about 0.3 s (per-round spread 0.6-0.9 s).
REPEATS = 2 * ((int(os.environ.get('CASA_BENCH_REPEATS', '20')) + 1) // 2)


def ensure_base():
    run_module('casa_docker_image', {'source': 'bootstrap', 'name': BASE, 'bootstrap': {'suite': 'bookworm'}})


def write_random(path, size, chunk=1 << 24):
    with open(path, 'wb') as handle:
        left = size
        while left > 0:
            block = os.urandom(min(chunk, left))
            handle.write(block)
            left -= len(block)


def bench_build():
    """A real workload: compress 256 MB of context data, checksum it, then a few light steps."""
    context = tempfile.mkdtemp(prefix='build-', dir=WORK)
    write_random(os.path.join(context, 'payload.bin'), 256 << 20)
    with open(os.path.join(context, 'Dockerfile'), 'w') as handle:
        handle.write('FROM %s\n'
                     'COPY payload.bin /data/payload.bin\n'
                     'RUN gzip -6 -c /data/payload.bin > /data/payload.gz && sha256sum /data/payload.gz > /data/SHA256\n'
                     'RUN rm /data/payload.bin && ls -l /data\n' % BASE)
    cache = os.path.join(WORK, 'digests-build.json')
    # Untimed: the page cache, the daemon and the module's digest cache are warm for every round.
    cli_build(context, 'warm')
    module_build(context, 'warm', cache)
    warm = build_rounds(context, range(REPEATS), lambda tag: module_build(context, tag, cache))
    cold = build_rounds(context, range(REPEATS, REPEATS + 2), lambda tag: module_build(context, tag, None))
    module_times = [module for module, dummy_cli, dummy_cpu in warm]
    cli_times = [cli for dummy_module, cli, dummy_cpu in warm]
    cli = median(cli_times)
    allowed = max(0.03 * cli, 0.5)
    # The client's own CPU time (the module process: packing and relaying the context; the docker
    # CLI: packing and sending it) does not depend on what else the machine runs.
    report('client CPU time of the build, module', median([cpu[0] for dummy, dummy_cli, cpu in warm]),
           median([cpu[1] for dummy, dummy_cli, cpu in warm]), 'docker CLI')
    report('build (gzip of 256 MB, no layer cache), module', median(module_times), cli, 'docker build')
    ok = judge_added([module - cli_time for module, cli_time, dummy_cpu in warm], allowed)
    report('  time the module adds with a cold digest cache, mean of 2 rounds',
           statistics.mean(module - cli_time for module, cli_time, dummy_cpu in cold))
    if cli < 10:
        print('  note: the reference build took under 10 s on this run; the target is set for builds of 10 s or more')
    subprocess.call(['docker', 'rmi', '-f'] + ['casa-bench/cli:%s' % tag for tag in ['warm'] + list(range(REPEATS + 2))]
                    + ['casa-bench/module:%s' % tag for tag in ['warm'] + list(range(REPEATS + 2))],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.unlink(cache)
    shutil.rmtree(context, ignore_errors=True)
    return ok


def judge_added(differences, allowed):
    """The time the module adds (mean of the per-round differences) against ``allowed``. A build's
    own duration swings by about half a second from one build to the next (its gzip step), so
    the mean of a few rounds cannot settle a 0.5 s target alone: the verdict takes the mean plus
    or minus two standard errors (about 95 %), met when all of it is within the target, MISSED
    when all of it is beyond, else not decided (CASA_BENCH_REPEATS gives more rounds)."""
    added = statistics.mean(differences)
    error = statistics.stdev(differences) / len(differences) ** 0.5
    low, high = added - 2 * error, added + 2 * error
    verdict = 'met' if high <= allowed else 'MISSED' if low > allowed else 'NOT DECIDED (run more rounds)'
    print('%-58s %8.2f s   +- %.2f s (2 standard errors: %.2f to %.2f s)   target <=%.2f: %s'
          % ('  time the module adds, mean of %d rounds' % len(differences), added, 2 * error, low, high, allowed,
             verdict), flush=True)
    return verdict == 'met'


def build_rounds(context, tags, module_run):
    """One round per tag (its images' tag) of a build with each side, the module first in every
    other round: [(module seconds, CLI seconds, (module client CPU, CLI client CPU))]."""
    rounds = []
    for index, tag in enumerate(tags):
        times, cpu = {}, {}
        order = [('module', lambda: module_run(tag)), ('cli', lambda: cli_build(context, tag))]
        for name, run in order if index % 2 == 0 else reversed(order):
            # Untimed: the layers the previous build wrote (about 800 MB) reach the disk now, so
            # that the writeback is not paid by whichever build comes next.
            os.sync()
            before = children_cpu()
            times[name] = run()
            cpu[name] = children_cpu() - before
            print('  round %d: %-6s %6.2f s (client CPU %.2f s)' % (tag + 1, name, times[name], cpu[name]), flush=True)
        rounds.append((times['module'], times['cli'], (cpu['module'], cpu['cli'])))
    return rounds


def cli_build(context, tag):
    # The same two labels the module sets: the daemon commits them as one more step.
    labels = ['--label', 'io.casa-distro.recipe-hash=bench', '--label', 'io.casa-distro.image=casa-bench/cli']
    return run_timed(['docker', 'build', '--no-cache', '--network', 'none', '-q', '-t', 'casa-bench/cli:%s' % tag]
                     + labels + [context], env=dict(os.environ, DOCKER_BUILDKIT='0'))


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def module_build(context, tag, cache):
    """A --no-cache build through the module; ``cache`` is its digest cache (None: a cold one, so
    that the module hashes the whole context before sending it)."""
    args = {'path': context, 'name': 'casa-bench/module', 'tags': [str(tag)], 'nocache': True, 'force': True,
            'network': 'none'}
    if cache:
        args['context_hash_cache'] = cache
    else:
        cold = os.path.join(WORK, 'digests-cold.json')
        if os.path.exists(cold):
            os.unlink(cold)
        args['context_hash_cache'] = cold
    seconds, result = run_module('casa_docker_image', args)
    assert result['images'][0]['built'], result
    return seconds


def bench_noop_large_context():
    context = tempfile.mkdtemp(prefix='large-', dir=WORK)
    for index in range(64):
        write_random(os.path.join(context, 'part-%02d.bin' % index), 16 << 20)  # 64 x 16 MB = 1 GiB
    with open(os.path.join(context, 'Dockerfile'), 'w') as handle:
        handle.write('FROM %s\nLABEL bench=large-context\n' % BASE)
    cache = os.path.join(WORK, 'digests-large.json')
    args = {'path': context, 'name': 'casa-bench/large', 'tags': ['1'], 'context_hash_cache': cache}
    first, result = run_module('casa_docker_image', args)
    assert result['changed'], result
    print('  first build of the 1 GiB context through the module: %.2f s' % first)
    warm = []
    for dummy_run in range(3):
        seconds, result = run_module('casa_docker_image', args)
        assert not result['changed'], result
        warm.append(seconds)
    os.unlink(cache)
    cold, result = run_module('casa_docker_image', args)
    assert not result['changed'], result
    cli = [run_timed(['docker', 'build', '-q', '-t', 'casa-bench/large-cli:1', context],
                     env=dict(os.environ, DOCKER_BUILDKIT='0')) for dummy_run in range(2)]
    ok = report('no-op re-run, 1 GiB context, module', median(warm), median(cli),
                'cached docker build', '<=2')
    report('no-op re-run, 1 GiB context, module, no digest cache', cold, median(cli), 'cached docker build')
    subprocess.call(['docker', 'rmi', '-f', 'casa-bench/large:1', 'casa-bench/large-cli:1'],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(context, ignore_errors=True)
    return ok


def main():
    os.makedirs(WORK, exist_ok=True)
    ensure_base()
    results = [bench_build(), bench_noop_large_context()]
    if not all(results):
        print('some targets were not met (see MISSED or NOT DECIDED above)')


if __name__ == '__main__':
    main()
