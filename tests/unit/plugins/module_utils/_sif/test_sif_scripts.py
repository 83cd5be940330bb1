# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.scripts: the generated /.singularity.d scripts, run with /bin/sh."""

from __future__ import annotations

import subprocess

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import scripts


def run_sh(script, *args, env=None, tmp_path=None):
    path = tmp_path / 'script.sh'
    path.write_text(script)
    environment = {'PATH': '/usr/bin:/bin', 'HOME': '/home/tester'}
    environment.update(env or {})
    proc = subprocess.run(['/bin/sh', str(path)] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=environment, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@pytest.mark.parametrize('text', ['plain', "it's", 'a "b" $c `d` \\e', ''])
def test_single_quoted_round_trips_through_sh(tmp_path, text):
    rc, out, dummy_err = run_sh('printf "%%s" %s\n' % scripts.single_quoted(text), tmp_path=tmp_path)
    assert rc == 0 and out == text


def test_quoted_words_round_trip_through_eval(tmp_path):
    args = ['a b', '$HOME', '"quoted"', 'back\\slash', '`cmd`']
    script = 'eval "set -- %s"\nfor a in "$@"; do printf "[%%s]" "$a"; done\n' % \
        scripts.double_quote_escaped(scripts.quoted_words(args))
    rc, out, dummy_err = run_sh(script, tmp_path=tmp_path)
    assert rc == 0
    assert out == ''.join('[%s]' % arg for arg in args)


def test_docker_env_script_semantics(tmp_path):
    script = scripts.docker_env_script([
        'PATH=/opt/x/bin:/usr/bin:/bin', 'CASA=hello world', 'KEEP=image', 'EMPTY', 'QUOTE=a"b$c',
        'bad-name=ignored'])
    assert 'bad-name' not in script
    probe = script + 'printf "%s|%s|%s|%s|%s\\n" "$PATH" "$CASA" "$KEEP" "${EMPTY-unset}" "$QUOTE"\n'
    rc, out, err = run_sh(probe, env={'KEEP': 'caller', 'PATH': '/caller/bin'}, tmp_path=tmp_path)
    assert rc == 0, err
    # PATH comes from the image; other variables keep a value the caller already has.
    assert out.strip() == '/opt/x/bin:/usr/bin:/bin|hello world|caller||a"b$c'


def test_runscript_entrypoint_and_cmd(tmp_path):
    script = scripts.oci_runscript(['printf', '<%s>'], ['default', 'two words'])
    assert script.startswith('#!/bin/sh\n')
    rc, out, dummy_err = run_sh(script, tmp_path=tmp_path)
    assert (rc, out) == (0, '<default><two words>')
    # Arguments replace CMD and go through the shell once, as in Apptainer.
    rc, out, dummy_err = run_sh(script, 'x y', '$HOME', tmp_path=tmp_path)
    assert (rc, out) == (0, '<x y></home/tester>')
    # With APPTAINER_NO_EVAL, no evaluation (Docker semantics).
    rc, out, dummy_err = run_sh(script, 'x y', '$HOME', env={'APPTAINER_NO_EVAL': '1'}, tmp_path=tmp_path)
    assert (rc, out) == (0, '<x y><$HOME>')
    rc, out, dummy_err = run_sh(script, env={'SINGULARITY_NO_EVAL': '1'}, tmp_path=tmp_path)
    assert (rc, out) == (0, '<default><two words>')


def test_runscript_cmd_only_and_entrypoint_only(tmp_path):
    rc, out, dummy_err = run_sh(scripts.oci_runscript([], ['printf', '%s', 'cmd']), tmp_path=tmp_path)
    assert (rc, out) == (0, 'cmd')
    rc, out, dummy_err = run_sh(scripts.oci_runscript([], ['printf', '%s', 'cmd']), 'echo', 'given', tmp_path=tmp_path)
    assert (rc, out) == (0, 'given\n')
    rc, out, dummy_err = run_sh(scripts.oci_runscript(['echo', 'entry'], []), 'arg', tmp_path=tmp_path)
    assert (rc, out) == (0, 'entry arg\n')
    rc, dummy_out, err = run_sh(scripts.oci_runscript([], []), tmp_path=tmp_path)
    assert rc == 1 and 'neither ENTRYPOINT nor CMD' in err


def test_action_exec_sources_env_scripts(tmp_path):
    # The action scripts source /.singularity.d/env/*.sh: check they parse and end with exec.
    actions = scripts.action_scripts()
    assert sorted(actions) == ['exec', 'run', 'shell', 'start', 'test']
    for name, text in actions.items():
        proc = subprocess.run(['/bin/sh', '-n'], input=text.encode(), check=False)
        assert proc.returncode == 0, name
        assert '/.singularity.d/env/*.sh' in text
    for name, text in scripts.base_env_scripts().items():
        proc = subprocess.run(['/bin/sh', '-n'], input=text.encode(), check=False)
        assert proc.returncode == 0, name


def test_runtimevars_apply_user_path(tmp_path):
    text = scripts.base_env_scripts()['99-runtimevars.sh'] + 'echo "$PATH|${SING_USER_DEFINED_PREPEND_PATH-gone}"\n'
    rc, out, dummy_err = run_sh(text, env={'PATH': '/usr/bin:/bin', 'SING_USER_DEFINED_PREPEND_PATH': '/pre'},
                                tmp_path=tmp_path)
    assert (rc, out.strip()) == (0, '/pre:/usr/bin:/bin|gone')


def test_runscript_has_the_form_apptainer_runs_in_its_own_shell():
    # Apptainer runs a Docker-derived runscript in its built-in shell (no /bin/sh needed in the
    # image) only when it ends its evaluation with this line, as its own conversion writes it.
    script = scripts.oci_runscript(['/busybox', 'echo'], ['hello'])
    lines = script.splitlines()
    assert lines[:3] == ['#!/bin/sh', 'OCI_ENTRYPOINT=\'"/busybox" "echo"\'', 'OCI_CMD=\'"hello"\'']
    assert lines[-2:] == ['eval "set ${SINGULARITY_OCI_RUN}"', 'exec "$@"']


def test_runscript_without_entrypoint_nor_cmd_lists_no_variables(tmp_path):
    rc, out, err = run_sh(scripts.oci_runscript([], []), tmp_path=tmp_path)
    assert (rc, out) == (1, '') and 'neither ENTRYPOINT nor CMD' in err
    rc, out, dummy_err = run_sh(scripts.oci_runscript([], []), 'echo', 'given', tmp_path=tmp_path)
    assert (rc, out) == (0, 'given\n')
