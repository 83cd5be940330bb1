# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property-based testing of the collection's parsers: every generated input either parses or
raises the project's own error with a message naming the file; any other exception fails.

Usage in a test file::

    from ansible_collections.casa.distro.tests.unit.utils.fuzz import fuzz_settings, check_parser

    @fuzz_settings
    @given(st.binary())
    def test_dockerignore_parser(data):
        check_parser('.dockerignore', lambda: parse(data, 'x/.dockerignore'), 'x/.dockerignore')

Examples per parser: 1,000 (CASA_HYPOTHESIS_EXAMPLES for a long run), derandomized so that a
failure in CI reproduces. Outcomes are counted per parser and written at the end of the session
to tests/output/reliability/parsers.json, from which tests/utils/reliability_report.py writes
docs/reliability.md.
"""

from __future__ import annotations

import atexit
import collections
import fcntl
import json
import os

from hypothesis import HealthCheck, settings

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError

EXAMPLES = int(os.environ.get('CASA_HYPOTHESIS_EXAMPLES', '1000'))
OUTPUT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      'output', 'reliability', 'parsers.json')

fuzz_settings = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))

_COUNTS = collections.defaultdict(collections.Counter)


def check_parser(parser, parse, where):
    """Run ``parse()``; a CasaError must name ``where``; anything else propagates and fails the test.
    Returns the parsed value, or None when it was rejected."""
    try:
        value = parse()
    except CasaError as exc:
        assert where in str(exc), 'the error does not name %s: %s' % (where, exc)
        _COUNTS[parser]['rejected'] += 1
        return None
    except Exception:
        _COUNTS[parser]['crashed'] += 1
        raise
    _COUNTS[parser]['accepted'] += 1
    return value


@atexit.register
def _write_counts():
    if not _COUNTS:
        return
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    # pytest-xdist workers each add their counts: one at a time.
    with open(OUTPUT + '.lock', 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        previous = {}
        try:
            with open(OUTPUT, encoding='utf-8') as handle:
                previous = json.load(handle)
        except (OSError, ValueError):
            pass
        for parser, counts in _COUNTS.items():
            merged = collections.Counter(previous.get(parser, {}))
            merged.update(counts)
            previous[parser] = dict(merged)
        with open(OUTPUT, 'w', encoding='utf-8') as handle:
            json.dump(previous, handle, indent=2, sort_keys=True)
