# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes docs/reliability.md from the figures the last test run recorded in
tests/output/reliability/: parsers-*.json (tests/unit/utils/fuzz.py, one per test process, per
parser: inputs accepted, rejected with our own error, crashed), bad_input.json (the bad_input integration target),
faults-*.json (fault-injection tests: each fault, how many times it was injected, whether the next run completed,
files lost) and secrets-*.json (tests/utils/secret_scan.py: files searched for the tests' secrets, secrets found).
Run by `make test` after the tests; it first searches the repository's tests/output and the release summary for
the secrets itself, and exits 1 when any scan found one. A figure that was not recorded is said so, never invented.
"""

import datetime
import glob
import json
import os
import sys

import secret_scan

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = os.path.join(TOP, 'tests', 'output', 'reliability')
REPORT = os.path.join(TOP, 'docs', 'reliability.md')
# The files `make test` leaves in the repository itself (the ansible-test copies are searched by
# tests/utils/ansible-test.sh before they are removed).
REPOSITORY_OUTPUTS = [os.path.join(TOP, 'tests', 'output'), os.path.join(TOP, '.build', 'release-summary.json')]


def load(name):
    try:
        with open(os.path.join(FIGURES, name), encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def parser_section(parsers):
    lines = ['## Parsers (property-based tests, `make units`)', '']
    if not parsers:
        return lines + ['Not recorded in the last test run.', '']
    lines += ['| parser | inputs tried | parsed | rejected with a clear error | crashes |', '|---|---|---|---|---|']
    total = dict(tried=0, crashed=0)
    for name in sorted(parsers):
        counts = parsers[name]
        tried = sum(counts.values())
        total['tried'] += tried
        total['crashed'] += counts.get('crashed', 0)
        row = (name, tried, counts.get('accepted', 0), counts.get('rejected', 0), counts.get('crashed', 0))
        lines.append('| %s | %d | %d | %d | %d |' % row)
    lines += ['', '%d parsers, %d inputs, %d crashes.' % (len(parsers), total['tried'], total['crashed']), '']
    return lines


def cases_section(cases):
    lines = ['## End-to-end bad input (`bad_input` integration target)', '']
    if not cases:
        return lines + ['Not recorded in the last test run.', '']
    lines += ['%d cases through ansible-playbook, each failing with a message that names the file, key or value, '
              'no "MODULE FAILURE" and no traceback, and nothing written at its destination:' % cases['cases'], '']
    lines += ['- %s: %d' % (module, count) for module, count in sorted(cases.get('by_module', {}).items())]
    return lines + ['']


def faults_section(faults):
    lines = ['## Faults injected against the real components', '']
    if not faults:
        return lines + ['Not recorded in the last test run.', '']
    lines += ['| fault | where | injected | next run completed | files lost or half-written |', '|---|---|---|---|---|']
    total = dict(lost=0, injected=0, survived=0)
    for fault in faults:
        injected, lost = int(fault.get('injected', 1)), int(fault.get('lost', 0))
        total['lost'] += lost
        total['injected'] += injected
        total['survived'] += injected if fault.get('recovered') else 0
        row = (fault['fault'], fault['target'], injected, 'yes' if fault.get('recovered') else 'NO', lost)
        lines.append('| %s | %s | %d | %s | %d |' % row)
    return lines + ['', '%(injected)d faults injected, %(survived)d survived. Nothing lost: %(lost)d files lost or '
                    'half-written.' % total, '']


def secrets_section(scans):
    lines = ['## Secrets in the outputs of the test run', '']
    if not scans:
        return lines + ['Not recorded in the last test run.', '']
    files = sum(scan.get('files', 0) for scan in scans.values())
    found = [finding for scan in scans.values() for finding in scan.get('found', [])]
    lines += ['Every file each part of the run left was searched for every secret the tests use '
              '(tests/utils/secret_scan.py):', '']
    lines += ['- %s: %d files, %d found' % (name, scan.get('files', 0), len(scan.get('found', [])))
              for name, scan in sorted(scans.items())]
    lines += ['', 'Secrets found: %d in %d files.' % (len(found), files), '']
    return lines + ['- %(file)s:%(line)d: %(secret)s' % finding for finding in found] + ([''] if found else [])


def parser_counts():
    """The counts of every test process, added up per parser; None when none was recorded."""
    total = {}
    for path in sorted(glob.glob(os.path.join(FIGURES, 'parsers-*.json'))):
        for parser, counts in (load(os.path.basename(path)) or {}).items():
            merged = total.setdefault(parser, {})
            for outcome, count in counts.items():
                merged[outcome] = merged.get(outcome, 0) + count
    return total or None


def secret_scans():
    """Search the repository's own outputs, then gather every scan recorded by the run."""
    scanned, found = secret_scan.scan(REPOSITORY_OUTPUTS)
    secret_scan.record('repository', FIGURES, scanned, found)
    scans = {}
    for path in sorted(glob.glob(os.path.join(FIGURES, 'secrets-*.json'))):
        name = os.path.basename(path)[len('secrets-'):-len('.json')]
        scans[name] = load(os.path.basename(path)) or {'files': 0, 'found': [dict(file=path, line=0, secret='unreadable figures')]}
    return scans


def main():
    faults = []
    for path in sorted(glob.glob(os.path.join(FIGURES, 'faults-*.json'))):
        faults += load(os.path.basename(path)) or []
    scans = secret_scans()
    text = '\n'.join(['# Reliability', '',
                      'Written by `make test` (tests/utils/reliability_report.py) from what the tests recorded on %s. '
                      'See issue 9 and docs/developing.md.' % datetime.date.today().isoformat(), '']
                     + parser_section(parser_counts()) + cases_section(load('bad_input.json'))
                     + faults_section(faults) + secrets_section(scans))
    temporary = REPORT + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.replace(temporary, REPORT)
    print('wrote %s' % os.path.relpath(REPORT, TOP))
    found = [finding for scan in scans.values() for finding in scan.get('found', [])]
    for finding in found:
        print('SECRET IN A TEST OUTPUT: %(file)s:%(line)d: %(secret)s' % finding, file=sys.stderr)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
