# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers shared by the benchmarks: run a module as Ansible runs it on a host, time commands,
print figures."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.build', 'collections')


def ensure_collection_link():
    """The ansible_collections tree the Makefile's `link` target makes, for imports."""
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'casa', 'distro')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.join('..', '..', '..', '..'), link)
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)


def run_module(module, args):
    """Run a casa.distro module in its own Python process with JSON arguments, the way Ansible
    executes it on the target. Returns (seconds, result)."""
    ensure_collection_link()
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        path = handle.name
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    try:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, '-m', 'ansible_collections.casa.distro.plugins.modules.' + module, path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(path)
    try:
        result = json.loads(proc.stdout.decode())
    except ValueError:
        raise RuntimeError('module %s printed no JSON: %s %s' % (module, proc.stdout[-2000:], proc.stderr[-2000:]))
    if result.get('failed'):
        raise RuntimeError('module %s failed: %s' % (module, result.get('msg')))
    return elapsed, result


def run_timed(argv, **kwargs):
    """Run a command, fail loudly on error, return the seconds it took."""
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, **kwargs)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError('%s failed (rc=%d): %s' % (' '.join(argv), proc.returncode, proc.stdout[-2000:]))
    return elapsed


def median(values):
    return statistics.median(values)


def report(name, measured, reference=None, reference_name=None, target=None, unit='s'):
    """One line per figure: the measure, the reference measured in the same run, the ratio."""
    line = '%-58s %8.2f %s' % (name, measured, unit)
    verdict = ''
    if reference is not None:
        ratio = measured / reference if reference else float('inf')
        line += '   vs %s %.2f %s   ratio %.3fx' % (reference_name, reference, unit, ratio)
        if target is not None and target.startswith('ratio<='):
            verdict = 'met' if ratio <= float(target.split('<=')[1]) else 'MISSED'
    if target is not None and target.startswith('<='):
        verdict = 'met' if measured <= float(target[2:]) else 'MISSED'
    if target is not None:
        line += '   target %s: %s' % (target.replace('ratio', 'ratio '), verdict)
    print(line, flush=True)
    return verdict != 'MISSED'
