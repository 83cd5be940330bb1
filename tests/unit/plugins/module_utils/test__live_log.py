# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The live log: lines reach the file as they are written, runs append, the path is checked."""

from __future__ import annotations

import os
import types

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _live_log
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError


def test_each_line_is_on_disk_before_the_next_is_written(tmp_path):
    path = str(tmp_path / 'logs' / 'build.log')
    with _live_log.LiveLog(path, title='casa_docker_image build') as log:
        log.write('Step 1/2 : FROM base\n')
        # A reader following the file (tail -f) sees the line while the operation still runs.
        with open(path) as reader:
            text = reader.read()
        assert text.startswith('=== ') and 'casa_docker_image build' in text
        assert text.rstrip().endswith('Step 1/2 : FROM base')
        log.write('Step 2/2 : RUN true')
    assert log.lines() == ['Step 1/2 : FROM base', 'Step 2/2 : RUN true']


def test_a_second_run_appends_so_the_first_build_output_is_kept(tmp_path):
    path = str(tmp_path / 'build.log')
    with _live_log.LiveLog(path, title='first') as log:
        log.write('built')
    with _live_log.LiveLog(path, title='second') as log:
        log.write('nothing to do')
    with open(path) as reader:
        lines = reader.read().splitlines()
    assert [line.split(' ', 2)[-1] for line in lines if line.startswith('===')] == ['first', 'second']
    assert lines[1].endswith(' built') and lines[3].endswith(' nothing to do')


def test_without_a_path_lines_are_only_kept_and_only_the_last_ones(tmp_path):
    log = _live_log.LiveLog(keep=2)
    for number in range(5):
        log.write('line %d' % number)
    assert log.lines() == ['line 3', 'line 4']
    assert os.listdir(str(tmp_path)) == []


def test_a_big_log_is_rotated_once(tmp_path, monkeypatch):
    path = str(tmp_path / 'build.log')
    with open(path, 'w') as old:
        old.write('x' * 100)
    monkeypatch.setattr(_live_log, 'ROTATE_BYTES', 10)
    with _live_log.LiveLog(path) as log:
        log.write('new run')
    with open(path + '.1') as rotated:
        assert rotated.read() == 'x' * 100
    with open(path) as current:
        assert 'new run' in current.read()


def test_a_relative_path_names_the_option_and_the_value():
    with pytest.raises(InputError) as error:
        _live_log.LiveLog('relative/build.log')
    message = str(error.value)
    assert 'log_path' in message and 'expected an absolute path' in message and 'relative/build.log' in message


def test_an_unwritable_path_names_the_file(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    path = str(blocker / 'build.log')
    with pytest.raises(InputError) as error:
        _live_log.LiveLog(path)
    assert path in str(error.value) and 'cannot write the live log' in str(error.value)


def test_the_result_gives_the_path_always_and_the_lines_under_verbose():
    log = _live_log.LiveLog()
    log.path = '/var/log/casa-distro/build.log'
    log.write('Step 1/1 : FROM scratch')
    quiet = _live_log.live_log_result(types.SimpleNamespace(_verbosity=0), log)
    verbose = _live_log.live_log_result(types.SimpleNamespace(_verbosity=1), log)
    assert quiet == {'log_path': '/var/log/casa-distro/build.log'}
    assert verbose['log_lines'] == ['Step 1/1 : FROM scratch']
