# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way the collection runs an external tool.

argv lists only (never a shell), a C locale so that output can be parsed, stderr collected in a
temporary file (a full pipe never blocks the tool), and on failure a ProcessError carrying the
command, the exit code, the tail of stderr and a hint when the disk is full. ``run`` is for
short commands; ``Process`` streams stdin or stdout (tar into sqfstar, docker export).

Written here rather than with AnsibleModule.run_command because module_utils below the modules
have no module object, and run_command cannot stream a pipe while we read or write it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError

C_LOCALE = {'LC_ALL': 'C', 'LANG': 'C', 'LANGUAGE': 'C'}
# Administrative tools (debootstrap, mksquashfs) live in sbin, which a non-root PATH lacks.
EXTRA_TOOL_DIRS = ('/usr/local/sbin', '/usr/sbin', '/sbin')
TAIL_CHARS = 4000
MESSAGE_TAIL_CHARS = 2000


class ProcessError(CasaError):
    """A tool could not be started or exited with a non-zero status."""


class ToolMissing(ProcessError):
    """A tool the operation needs is not installed."""


def find_tool(name, hint=None):
    """The path of executable ``name`` on PATH or in the sbin directories; ``hint`` says how to
    install it (e.g. 'package siftool')."""
    path = os.pathsep.join([os.environ.get('PATH', '/usr/bin:/bin')] + list(EXTRA_TOOL_DIRS))
    found = shutil.which(name, path=path)
    if found is None:
        raise ToolMissing('%s is not installed on this host%s' % (name, ' (%s)' % hint if hint else ''),
                          tool=name)
    return found


def environment(extra=None):
    """The environment of a tool run: ours, in the C locale, plus ``extra`` (a value of None
    removes the variable)."""
    env = dict(os.environ)
    env.update(C_LOCALE)
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def space_hint(text, path, low_water=16 << 20):
    """A hint when a tool failed for lack of space: from its message, or, since some tools
    (tar2sqfs, mksquashfs) only report an I/O error, from the free space left where it was writing."""
    if not path:
        return ''
    directory = os.path.dirname(os.path.abspath(path))
    lowered = (text or '').lower()
    full = 'no space left' in lowered or 'enospc' in lowered or 'disk quota' in lowered
    if not full:
        try:
            info = os.statvfs(directory)
            full = info.f_bavail * info.f_frsize < low_water
        except OSError:
            pass
    if full:
        return ' (no space left in %s: free space or write elsewhere)' % directory
    return ''


def _text(data):
    if isinstance(data, bytes):
        return data.decode('utf-8', 'replace')
    return data or ''


def failure(what, argv, rc, stderr, stdout='', output_path=None):
    """The ProcessError for a tool that exited with ``rc``."""
    stderr, stdout = _text(stderr), _text(stdout)
    shown = stderr.strip() or stdout.strip() or 'no output'
    message = '%s failed (rc=%s): %s%s' % (what, rc, shown[-MESSAGE_TAIL_CHARS:], space_hint(stderr, output_path))
    return ProcessError(message,
                        command=list(argv), rc=rc, stdout=stdout[-TAIL_CHARS:], stderr=stderr[-TAIL_CHARS:])


def _start_error(argv, exc):
    return ProcessError('Cannot run %s: %s' % (argv[0], exc.strerror or exc), command=list(argv))


class Result:
    """What a finished command printed."""

    def __init__(self, argv, rc, stdout, stderr):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    @property
    def text(self):
        """stdout decoded as UTF-8 (undecodable bytes replaced)."""
        return _text(self.stdout)


def run(argv, what=None, cwd=None, env=None, input_data=None, check=True, output_path=None,
        merge_stderr=False, on_line=None):
    """Run ``argv`` to completion and return its Result (stdout and stderr as bytes).

    ``env`` entries are added to our environment in the C locale. With ``check``, a non-zero
    exit raises ProcessError naming ``what`` (default: the tool); ``output_path`` is where the
    tool writes, for the full-disk hint. ``on_line`` gets each line of stdout (decoded) as the
    tool prints it, for a live log (no ``input_data`` then).
    """
    argv = [str(arg) for arg in argv]
    try:
        if on_line is not None:
            rc, stdout, stderr = _streamed(argv, cwd, env, merge_stderr, on_line)
        else:
            proc = subprocess.run(argv, cwd=cwd, env=environment(env), input=input_data,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                                  stdin=None if input_data is not None else subprocess.DEVNULL, check=False)
            rc, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except OSError as exc:
        raise _start_error(argv, exc)
    result = Result(argv, rc, stdout, stderr or b'')
    if check and rc != 0:
        raise failure(what or os.path.basename(argv[0]), argv, rc, result.stderr,
                      result.stdout, output_path)
    return result


def _streamed(argv, cwd, env, merge_stderr, on_line):
    """Run ``argv`` handing each stdout line to ``on_line`` as it comes: (rc, stdout, stderr)."""
    with tempfile.TemporaryFile() as stderr_file:
        proc = subprocess.Popen(argv, cwd=cwd, env=environment(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT if merge_stderr else stderr_file)
        stdout = []
        with proc.stdout:
            for line in iter(proc.stdout.readline, b''):
                stdout.append(line)
                on_line(_text(line).rstrip('\n'))
        rc = proc.wait()
        stderr_file.seek(0)
        return rc, b''.join(stdout), stderr_file.read()


class Process:
    """A tool run with a pipe on its stdin (``stdin=True``) and/or stdout (``stdout=True``).

    Use as a context manager: leaving the block early kills the tool. ``finish()`` closes stdin,
    waits and raises ProcessError on a non-zero exit (or ``broken`` if writing failed first).
    """

    def __init__(self, argv, what=None, stdin=False, stdout=False, cwd=None, env=None, output_path=None):
        self.argv = [str(arg) for arg in argv]
        self.what = what or os.path.basename(self.argv[0])
        self.output_path = output_path
        self._stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                self.argv, cwd=cwd, env=environment(env), bufsize=0,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout else subprocess.DEVNULL, stderr=self._stderr)
        except OSError as exc:
            self._stderr.close()
            raise _start_error(self.argv, exc)

    @property
    def stdin(self):
        return self.proc.stdin

    @property
    def stdout(self):
        return self.proc.stdout

    def stderr_text(self):
        self._stderr.seek(0)
        return self._stderr.read().decode('utf-8', 'replace')

    def wait(self):
        """Close our ends of the pipes and return the exit code."""
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass
        return self.proc.wait()

    def finish(self, broken=None):
        """Wait for the tool; raise ProcessError if it failed or if ``broken`` (an exception met
        while feeding it) is set."""
        rc = self.wait()
        if rc != 0 or broken is not None:
            stderr = self.stderr_text()
            raise failure(self.what, self.argv, rc, stderr or str(broken or ''), output_path=self.output_path)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()

    def close(self):
        self.kill()
        self._stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
