# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes docs/reliability.md from the figures the last test run recorded in
tests/output/reliability/: parsers-*.json (tests/unit/utils/fuzz.py, one per test process, per
parser: inputs accepted, rejected with our own error, crashed), bad_input.json (the bad_input integration target) and
faults-*.json (fault-injection tests: each fault, whether the next run completed, files lost).
Run by `make test` after the tests; a figure that was not recorded is said so, never invented.
"""

import datetime
import glob
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = os.path.join(TOP, 'tests', 'output', 'reliability')
REPORT = os.path.join(TOP, 'docs', 'reliability.md')


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
    lines += ['| fault | where | next run completed | files lost or half-written |', '|---|---|---|---|']
    lost = 0
    for fault in faults:
        lost += fault.get('lost', 0)
        row = (fault['fault'], fault['target'], 'yes' if fault.get('recovered') else 'NO', fault.get('lost', 0))
        lines.append('| %s | %s | %s | %d |' % row)
    return lines + ['', 'Nothing lost: %d files lost or half-written in %d faults.' % (lost, len(faults)), '']


def parser_counts():
    """The counts of every test process, added up per parser; None when none was recorded."""
    total = {}
    for path in sorted(glob.glob(os.path.join(FIGURES, 'parsers-*.json'))):
        for parser, counts in (load(os.path.basename(path)) or {}).items():
            merged = total.setdefault(parser, {})
            for outcome, count in counts.items():
                merged[outcome] = merged.get(outcome, 0) + count
    return total or None


def main():
    faults = []
    for path in sorted(glob.glob(os.path.join(FIGURES, 'faults-*.json'))):
        faults += load(os.path.basename(path)) or []
    text = '\n'.join(['# Reliability', '',
                      'Written by `make test` (tests/utils/reliability_report.py) from what the tests recorded on %s. '
                      'See issue 9 and docs/developing.md.' % datetime.date.today().isoformat(), '']
                     + parser_section(parser_counts()) + cases_section(load('bad_input.json'))
                     + faults_section(faults))
    temporary = REPORT + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.replace(temporary, REPORT)
    print('wrote %s' % os.path.relpath(REPORT, TOP))
    return 0


if __name__ == '__main__':
    sys.exit(main())
