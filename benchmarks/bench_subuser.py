# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: inspect synthetic subuser repositories of 250, 500 and 1,000 image sources.

Run from the repository root after ``make link``:

    .venv/bin/python benchmarks/bench_subuser.py [--sizes 250,500,1000] [--no-subuser]

Every repository has chains of FROM-SUBUSER-IMAGE up to depth 10 (every tenth source is a base
with a Dockerfile, the nine after it each start FROM-SUBUSER-IMAGE the previous one), varied
permissions, a few deprecated docker-image/ directories and CRLF image files. Each is read
twice: from the directory, and from git objects (a commit of the same tree, through a bare
mirror). The target is at most 3 s for 1,000 sources, with linear growth: the time per source
should stay flat, so the 1,000/250 ratio of total times should stay near 4.

When possible (pip can install subuser 0.6.2), the original subuser lists the same directory
with ``subuser list available --long DIR/`` (which loads every permissions.json, but neither
reads image files nor resolves FROM-SUBUSER-IMAGE, so it does less than an inspect) and the
ratio is printed; its fixed start-up cost is measured on an empty repository and reported
apart.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, '.build', 'collections'))

try:
    from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import RepositorySet
    from ansible_collections.casa.distro.plugins.module_utils._subuser.mirror import fetch_mirror
    from ansible_collections.casa.distro.plugins.module_utils._subuser.report import inspect
    from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git, open_local
except ImportError as exc:  # pragma: no cover
    sys.exit('Cannot import the collection (%s): run "make link" first, from the repository root' % exc)

SUBUSER_HELPER = os.path.join(TOP, 'tests', 'integration', 'targets', 'subuser_repo', 'files', 'subuser.sh')
TARGET_SECONDS = 3.0
DEPTH = 10

PERMISSION_SETS = [
    {'description': 'a base', 'maintainer': 'bench'},
    {'description': 'a tool', 'executable': '/usr/bin/tool', 'allow-network-access': True},
    {'description': 'a gui tool', 'executable': '/usr/bin/gui', 'gui': {'clipboard': True},
     'user-dirs': ['Documents']},
    {'description': 'x11', 'executable': '/usr/bin/x', 'x11': True, 'sudo': False},
    {'description': 'cpus', 'max-cpus': 2.0, 'memory-limit': '2g', 'basic-common-permissions': True},
]


def make_repository(root, count):
    os.makedirs(root)
    for index in range(count):
        name = 'source-%04d' % index
        folder = os.path.join(root, name)
        image_dir = 'docker-image' if index % 97 == 5 else 'image'
        os.makedirs(os.path.join(folder, image_dir))
        with open(os.path.join(folder, 'permissions.json'), 'w') as handle:
            json.dump(PERMISSION_SETS[index % len(PERMISSION_SETS)], handle)
        if index % DEPTH == 0:
            with open(os.path.join(folder, image_dir, 'Dockerfile'), 'w') as handle:
                handle.write('FROM debian:bookworm\nRUN echo %d\n' % index)
        else:
            newline = '\r\n' if index % 3 == 0 else '\n'
            with open(os.path.join(folder, image_dir, 'SubuserImagefile'), 'w', newline='') as handle:
                handle.write('FROM-SUBUSER-IMAGE  source-%04d%sRUN echo %d%s' % (index - 1, newline, index, newline))
        with open(os.path.join(folder, image_dir, 'payload.txt'), 'w') as handle:
            handle.write('payload %d\n' % index)


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME='bench', GIT_AUTHOR_EMAIL='bench@example.invalid',
               GIT_COMMITTER_NAME='bench', GIT_COMMITTER_EMAIL='bench@example.invalid')
    subprocess.run(['git'] + list(args), cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def inspect_local(root):
    started = time.perf_counter()
    cpu = time.process_time()
    repository_set = RepositorySet()
    repository = repository_set.add(open_local(root))
    report = inspect(repository_set, repository)
    return time.perf_counter() - started, time.process_time() - cpu, report


def inspect_git(url, cache_dir):
    started = time.perf_counter()
    cpu = time.process_time()
    repository_set = RepositorySet(cache_dir=cache_dir, update=False)
    repository = repository_set.add(open_git(url, cache_dir, update=False))
    report = inspect(repository_set, repository)
    return time.perf_counter() - started, time.process_time() - cpu, report


def best(function, repeat, *args):
    """Best wall and best CPU time of ``repeat`` runs, and the last report."""
    runs = [function(*args) for dummy in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def check(report, count):
    assert len(report['sources']) == count, len(report['sources'])
    assert len(report['build_order']) == count, len(report['build_order'])
    assert report['invalid'] == [], report['invalid'][:3]
    deepest = max(len(s['lineage']) for s in report['sources'])
    assert deepest == DEPTH - 1, deepest
    return deepest


def subuser_list(home, directory):
    """``subuser list available --long DIR/``: lists every source and loads its permissions."""
    started = time.perf_counter()
    completed = subprocess.run(['bash', SUBUSER_HELPER, home, 'list', 'available', '--long',
                                directory.rstrip('/') + '/'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-500:])
    listed = [line for line in completed.stdout.splitlines() if re.match(r'^source-\d+@', line)]
    return elapsed, listed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='250,500,1000')
    parser.add_argument('--repeat', type=int, default=5, help='best of N runs')
    parser.add_argument('--no-subuser', action='store_true', help='do not compare with subuser 0.6.2')
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    scratch = tempfile.mkdtemp(prefix='bench-subuser-')
    rows = []
    use_subuser = not args.no_subuser and os.path.exists(SUBUSER_HELPER)
    subuser_baseline = None
    try:
        if use_subuser:
            empty = os.path.join(scratch, 'empty')
            os.makedirs(empty)
            try:
                subuser_list(os.path.join(scratch, 'subuser-home'), empty)  # installs, registry set-up
                subuser_baseline = min(subuser_list(os.path.join(scratch, 'subuser-home'), empty)[0]
                                       for dummy in range(2))
            except (RuntimeError, OSError) as exc:
                print('subuser 0.6.2 unavailable, no comparison: %s' % exc)
                use_subuser = False
        for count in sizes:
            root = os.path.join(scratch, 'repo-%d' % count)
            make_repository(root, count)
            git(root, 'init', '-q', '-b', 'main')
            git(root, 'add', '-A')
            git(root, 'commit', '-q', '-m', 'bench')
            cache = os.path.join(scratch, 'cache-%d' % count)
            url = 'file://' + root
            fetch_mirror(url, cache)  # the clone is not what is measured
            local_time, local_cpu, report = best(inspect_local, args.repeat, root)
            depth = check(report, count)
            git_time, git_cpu, report = best(inspect_git, args.repeat, url, cache)
            check(report, count)
            row = {'sources': count, 'depth': depth + 1, 'local': local_time, 'git': git_time,
                   'local cpu': local_cpu, 'git cpu': git_cpu}
            if use_subuser:
                home = os.path.join(scratch, 'subuser-home')
                runs = [subuser_list(home, root) for dummy in range(2)]
                listed = runs[-1][1]
                if len(listed) != count:
                    print('subuser 0.6.2 listed %d of %d sources' % (len(listed), count))
                row['subuser'] = min(elapsed for elapsed, _listed in runs)
            rows.append(row)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print('subuser_repo inspect: synthetic repositories, FROM-SUBUSER-IMAGE chains of depth %d' % DEPTH)
    print('(wall: best of %d runs, machine load shows in it; cpu: this process only, without the '
          'git cat-file helper)' % args.repeat)
    header = '%8s %9s %9s %9s %9s %14s' % ('sources', 'local s', 'cpu s', 'git s', 'cpu s', 'git ms/source')
    if use_subuser:
        header += ' %16s %14s' % ('subuser --long s', 'subuser/ours')
    print(header)
    for row in rows:
        line = '%8d %9.3f %9.3f %9.3f %9.3f %14.3f' % (
            row['sources'], row['local'], row['local cpu'], row['git'], row['git cpu'],
            1000 * row['git'] / row['sources'])
        if use_subuser:
            line += ' %16.3f %14.1f' % (row['subuser'], row['subuser'] / row['local'])
        print(line)
    first, last = rows[0], rows[-1]
    size_ratio = last['sources'] / first['sources']
    for kind in ('local', 'local cpu', 'git', 'git cpu'):
        ratio = last[kind] / first[kind]
        print('growth %s: %d -> %d sources (x%.1f) took x%.2f time (linear would be x%.1f)'
              % (kind, first['sources'], last['sources'], size_ratio, ratio, size_ratio))
    if use_subuser:
        print('subuser 0.6.2 start-up on an empty repository: %.3f s (included in its times above)'
              % subuser_baseline)
    worst = max(max(r['local'], r['git']) for r in rows if r['sources'] == max(sizes))
    verdict = 'OK' if worst <= TARGET_SECONDS else 'OVER TARGET'
    print('%s: %d sources in %.3f s (target <= %.1f s)' % (verdict, max(sizes), worst, TARGET_SECONDS))
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == '__main__':
    sys.exit(main())
