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
failure in CI reproduces. Outcomes are counted per parser, per process, in
tests/output/reliability/parsers-<pid>.json (rewritten at every input: pytest-xdist workers exit
without running atexit handlers or reporting module state), from which
tests/utils/reliability_report.py writes docs/reliability.md.
"""

from __future__ import annotations

import collections
import json
import os

from hypothesis import HealthCheck, settings

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError

EXAMPLES = int(os.environ.get('CASA_HYPOTHESIS_EXAMPLES', '1000'))
OUTPUT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          'output', 'reliability')

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
        _count(parser, 'rejected')
        return None
    except Exception:
        _count(parser, 'crashed')
        raise
    _count(parser, 'accepted')
    return value


def _count(parser, outcome):
    _COUNTS[parser][outcome] += 1
    _save_counts()


def _save_counts():
    """This process's counts, one file per process so that no two writers meet."""
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    name = 'parsers-%d-%d.json' % (os.getpid(), id(_COUNTS))
    with open(os.path.join(OUTPUT_DIR, name), 'w', encoding='utf-8') as handle:
        json.dump(_COUNTS, handle, sort_keys=True)
