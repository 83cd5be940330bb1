# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_numbers: build numbers, raced by threads and processes."""

from __future__ import annotations

import multiprocessing
import threading

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_numbers


def test_build_numbers_are_sequential(tmp_path):
    assert [publish_numbers.reserve_build_number(str(tmp_path), 'casa-run-5.3') for dummy in range(3)] == [1, 2, 3]
    assert publish_numbers.reserve_build_number(str(tmp_path), 'casa-dev-5.3') == 1
    # Published files count too, even without a reservation.
    (tmp_path / 'casa-run-5.3-9.sif.json').write_text('{}')
    assert publish_numbers.reserve_build_number(str(tmp_path), 'casa-run-5.3') == 10
    assert publish_numbers.build_number_of('casa-run-5.3', 'casa-run-5.3-12.sif') == 12
    assert publish_numbers.build_number_of('casa-run-5.3', 'casa-run-5.3-x.sif') is None
    assert publish_numbers.build_number_of('casa-run', 'casa-run-5.3-1.sif') is None
    assert publish_numbers.next_build_number(str(tmp_path), 'casa-run-5.3') == 11


def test_build_numbers_race_between_threads(tmp_path):
    results = []
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        results.append(publish_numbers.reserve_build_number(str(tmp_path), 'img'))
    threads = [threading.Thread(target=worker) for dummy in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(1, 17))


def _reserve_in_process(args):
    directory, count = args
    return [publish_numbers.reserve_build_number(directory, 'img') for dummy in range(count)]


def test_build_numbers_race_between_processes(tmp_path):
    context = multiprocessing.get_context('fork')
    with context.Pool(4) as pool:
        numbers = pool.map(_reserve_in_process, [(str(tmp_path), 10)] * 4)
    flat = sorted(n for chunk in numbers for n in chunk)
    assert flat == list(range(1, 41))
