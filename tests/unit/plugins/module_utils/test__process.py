# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _process


def test_run_returns_output_in_the_c_locale():
    result = _process.run(['sh', '-c', 'printf "%s" "$LC_ALL"; echo err >&2'])
    assert result.rc == 0 and result.text == 'C' and result.stderr == b'err\n'


def test_run_failure_carries_command_rc_and_stderr_tail():
    with pytest.raises(_process.ProcessError) as info:
        _process.run(['sh', '-c', 'echo out; echo "x%.0s" $(seq 3000) >&2; echo last words >&2; exit 3'], what='the probe')
    error = info.value
    assert str(error).startswith('the probe failed (rc=3): ') and str(error).endswith('last words')
    assert error.details['rc'] == 3 and error.details['command'][0] == 'sh'
    assert len(error.details['stderr']) == _process.TAIL_CHARS and error.details['stdout'] == 'out\n'


def test_run_without_check_and_with_input():
    result = _process.run(['sh', '-c', 'cat; exit 4'], input_data=b'fed', check=False)
    assert (result.rc, result.stdout) == (4, b'fed')


def test_run_hands_each_line_over_before_the_tool_ends(tmp_path):
    marker = tmp_path / 'seen'
    seen = []

    def on_line(line):
        # The tool waits for this file: the line must arrive while it still runs.
        seen.append(line)
        marker.write_text(line)
    script = 'echo first; while [ ! -s "$1" ]; do sleep 0.01; done; echo second; echo oops >&2; exit 2'
    result = _process.run(['sh', '-c', script, 'sh', str(marker)], check=False, on_line=on_line)
    assert seen == ['first', 'second'] and result.rc == 2
    assert result.stdout == b'first\nsecond\n' and result.stderr == b'oops\n'


def test_run_streaming_with_merged_stderr_fails_like_run():
    lines = []
    with pytest.raises(_process.ProcessError) as info:
        _process.run(['sh', '-c', 'echo out; echo err >&2; exit 5'], what='the probe', merge_stderr=True,
                     on_line=lines.append)
    assert lines == ['out', 'err'] and info.value.details['rc'] == 5


def test_a_missing_tool_is_a_clear_error():
    with pytest.raises(_process.ToolMissing, match=r'^no-such-tool-x is not installed on this host \(package x\)$'):
        _process.find_tool('no-such-tool-x', 'package x')
    with pytest.raises(_process.ProcessError, match='^Cannot run /no/such/tool: No such file or directory$'):
        _process.run(['/no/such/tool'])


def test_process_streams_both_ways(tmp_path):
    output = tmp_path / 'out'
    with _process.Process(['sh', '-c', 'cat > "$0"', str(output)], stdin=True) as proc:
        proc.stdin.write(b'streamed')
        proc.finish()
    assert output.read_bytes() == b'streamed'
    with _process.Process(['sh', '-c', 'printf abcdef'], stdout=True) as proc:
        assert proc.stdout.read() == b'abcdef'
        assert proc.finish() == 0


def test_process_failure_and_broken_pipe_are_reported(tmp_path):
    with _process.Process(['sh', '-c', 'echo cannot write >&2; exit 1'], stdin=True, what='tar2sqfs',
                          output_path=str(tmp_path / 'x.sqfs')) as proc:
        broken = None
        try:
            for dummy in range(64):
                proc.stdin.write(b'x' * 65536)
        except BrokenPipeError as exc:
            broken = exc
        with pytest.raises(_process.ProcessError, match=r'^tar2sqfs failed \(rc=1\): cannot write$'):
            proc.finish(broken)


def test_leaving_the_block_early_kills_the_tool():
    with _process.Process(['sleep', '60'], stdout=True) as proc:
        pid = proc.proc.pid
    assert proc.proc.returncode is not None
    with pytest.raises(OSError):
        os.kill(pid, 0)


def test_space_hint_from_the_message_or_the_free_space(tmp_path):
    assert _process.space_hint('write error: No space left on device', str(tmp_path / 'f')).startswith(' (no space left in ')
    assert _process.space_hint('syntax error', str(tmp_path / 'f')) == ''
    assert _process.space_hint('anything', None) == ''


def test_environment_adds_and_removes_variables(monkeypatch):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '5')
    monkeypatch.setenv('CASA_KEPT', 'yes')
    env = _process.environment({'SOURCE_DATE_EPOCH': None, 'CASA_ADDED': '1', 'CASA_ABSENT': None})
    assert 'SOURCE_DATE_EPOCH' not in env and 'CASA_ABSENT' not in env
    assert env['CASA_ADDED'] == '1' and env['CASA_KEPT'] == 'yes' and env['LC_ALL'] == 'C'
