# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shell scripts of ``/.singularity.d``: action scripts, environment scripts and the
runscript made from ENTRYPOINT and CMD, as Apptainer's own OCI build writes them."""

from __future__ import annotations

import re


def single_quoted(text):
    """``text`` as one single-quoted shell word."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def double_quote_escaped(text):
    """``text`` escaped for use between double quotes in a POSIX shell."""
    return re.sub(r'([\\"$`])', r'\\\1', text)


def quoted_words(args):
    """A list of arguments as a string of double-quoted, escaped shell words.

    This is the form Apptainer stores ENTRYPOINT and CMD in (``OCI_ENTRYPOINT``/``OCI_CMD``):
    evaluating ``set -- $WORDS`` gives the arguments back unchanged.
    """
    return ' '.join('"%s"' % double_quote_escaped(arg) for arg in args)


_SOURCE_ENV = '''for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
'''

HEADER = '#!/bin/sh\n# Written by casa.distro (casa_singularity_image), following the layout of Apptainer.\n'


def _app_dispatch(kind, fallback):
    """The SCIF app selection shared by the run and test actions."""
    return '''
app="${APPTAINER_APPNAME:-${SINGULARITY_APPNAME:-}}"
if [ -n "$app" ]; then
    for candidate in "/scif/apps/$app/scif/%(kind)s" "/scif/apps/singularity/scif/%(kind)s"; do
        if [ -x "$candidate" ]; then
            exec "$candidate" "$@"
        fi
    done
    echo "No %(kind)s for contained app: $app"
    exit 1
fi
if [ -x "/.singularity.d/%(kind)s" ]; then
    exec "/.singularity.d/%(kind)s" "$@"
fi
%(fallback)s
''' % {'kind': kind, 'fallback': fallback}


def action_scripts():
    """Contents of ``/.singularity.d/actions/*``: what ``apptainer exec|run|shell|start|test``
    runs inside the container (each sources the environment scripts first)."""
    return {
        'exec': HEADER + '\n' + _SOURCE_ENV + '\nexec "$@"\n',
        'run': HEADER + '\n' + _SOURCE_ENV + _app_dispatch(
            'runscript', 'echo "No runscript found in the container, executing /bin/sh"\nexec /bin/sh "$@"'),
        'shell': HEADER + '\n' + _SOURCE_ENV + '''
shell="${APPTAINER_SHELL:-${SINGULARITY_SHELL:-}}"
if [ -n "$shell" ] && [ -x "$shell" ]; then
    exec "$shell" "$@"
elif [ -x /bin/bash ]; then
    SHELL=/bin/bash
    PS1="Apptainer ${APPTAINER_NAME:-}:\\w> "
    export SHELL PS1
    exec /bin/bash --norc "$@"
elif [ -x /bin/sh ]; then
    SHELL=/bin/sh
    export SHELL
    exec /bin/sh "$@"
fi
echo "ERROR: no shell in the container (/bin/sh is missing)" 1>&2
exit 1
''',
        'start': HEADER + '''
# An instance waits for this signal before it goes on: keep it.
kill -CONT 1

''' + _SOURCE_ENV + '''
if [ -x /.singularity.d/startscript ]; then
    exec /.singularity.d/startscript
fi
''',
        'test': HEADER + '\n' + _SOURCE_ENV + _app_dispatch(
            'test', 'echo "No test found in the container, executing /bin/sh -c true"\nexec /bin/sh -c true'),
    }


def base_env_scripts():
    """The environment scripts every Apptainer image has (``/.singularity.d/env``), except the
    image's own ENV (see docker_env_script)."""
    return {
        '01-base.sh': HEADER,
        '90-environment.sh': HEADER + '# Custom environment shell code should follow\n',
        '94-appsbase.sh': '',
        '95-apps.sh': HEADER + '''
app="${APPTAINER_APPNAME:-${SINGULARITY_APPNAME:-}}"
if [ -n "$app" ]; then
    if [ -d "/scif/apps/$app/" ]; then
        SCIF_APPS=/scif/apps
        SCIF_APPROOT="/scif/apps/$app"
        export SCIF_APPS SCIF_APPROOT
        PATH="/scif/apps/$app:/scif/apps/singularity:$PATH"
        if [ -d "/scif/apps/$app/bin" ]; then
            PATH="/scif/apps/$app/bin:$PATH"
        fi
        if [ -d "/scif/apps/$app/lib" ]; then
            LD_LIBRARY_PATH="/scif/apps/$app/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
            export LD_LIBRARY_PATH
        fi
        for part in 01-base.sh 90-environment.sh; do
            if [ -f "/scif/apps/$app/scif/env/$part" ]; then
                . "/scif/apps/$app/scif/env/$part"
            fi
        done
        export PATH
    else
        echo "Could not locate the container application: $app"
        exit 1
    fi
fi
''',
        '99-base.sh': HEADER + '''
if [ -z "${LD_LIBRARY_PATH:-}" ]; then
    LD_LIBRARY_PATH=/.singularity.d/libs
else
    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/.singularity.d/libs"
fi
if [ -z "${PS1:-}" ]; then
    PS1="Apptainer> "
fi
export LD_LIBRARY_PATH PS1
''',
        '99-runtimevars.sh': HEADER + '''
# PATH changes asked for on the command line (--env PATH=..., APPTAINERENV_PREPEND_PATH, ...)
# apply after the image's own environment.
if [ -n "${SING_USER_DEFINED_PREPEND_PATH:-}" ]; then
    PATH="${SING_USER_DEFINED_PREPEND_PATH}:${PATH}"
fi
if [ -n "${SING_USER_DEFINED_APPEND_PATH:-}" ]; then
    PATH="${PATH}:${SING_USER_DEFINED_APPEND_PATH}"
fi
if [ -n "${SING_USER_DEFINED_PATH:-}" ]; then
    PATH="${SING_USER_DEFINED_PATH}"
fi
unset SING_USER_DEFINED_PREPEND_PATH SING_USER_DEFINED_APPEND_PATH SING_USER_DEFINED_PATH
export PATH
''',
    }


_ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def docker_env_script(env):
    """``/.singularity.d/env/10-docker2singularity.sh`` from the image's ``Config.Env`` list.

    As Apptainer does: PATH is set from the image; every other variable keeps a value the caller
    already has (``${VAR:-image value}``); a variable without a value is exported as is.
    Entries whose name is not a shell variable name are skipped (a shell could not export them).
    """
    lines = ['#!/bin/sh']
    for entry in env or []:
        name, sep, value = entry.partition('=')
        if not _ENV_NAME.match(name):
            continue
        if not sep:
            lines.append('export %s="${%s:-}"' % (name, name))
        elif name == 'PATH':
            lines.append('export PATH="%s"' % double_quote_escaped(value))
        else:
            lines.append('export %s="${%s:-"%s"}"' % (name, name, double_quote_escaped(value)))
    return '\n'.join(lines) + '\n'


def oci_runscript(entrypoint, cmd):
    """``/.singularity.d/runscript`` running ENTRYPOINT and CMD like Apptainer's OCI build.

    ``apptainer run IMAGE`` runs ENTRYPOINT followed by CMD; arguments given to ``run`` replace
    CMD. By default the words go through the shell once (``eval``), as Apptainer does; with
    APPTAINER_NO_EVAL/SINGULARITY_NO_EVAL set they are passed on untouched, as Docker does.

    The evaluation ends with the very line Apptainer's own conversion writes
    (``eval "set ${SINGULARITY_OCI_RUN}"``, no ``--``): Apptainer recognises a Docker-derived
    runscript by it and runs the script in its built-in shell, so that images without
    ``/bin/sh`` (FROM scratch) run, and errors (missing command, unbalanced quotes) read and
    exit as they do with Apptainer's own SIFs. Any other form is run with the image's /bin/sh.
    """
    entrypoint = list(entrypoint or [])
    cmd = list(cmd or [])
    lines = [
        '#!/bin/sh',
        'OCI_ENTRYPOINT=%s' % single_quoted(quoted_words(entrypoint)),
        'OCI_CMD=%s' % single_quoted(quoted_words(cmd)),
        '# Runs the ENTRYPOINT and CMD of the Docker image this SIF was converted from.',
        '',
        'if [ -n "${APPTAINER_NO_EVAL:-${SINGULARITY_NO_EVAL:-}}" ]; then',
        '    # Docker semantics: no shell evaluation; arguments replace CMD.',
    ]
    if cmd:
        lines.append('    if [ $# -eq 0 ]; then')
        lines += ['        set -- %s "$@"' % single_quoted(arg) for arg in reversed(cmd)]
        lines.append('    fi')
    lines += ['    set -- %s "$@"' % single_quoted(arg) for arg in reversed(entrypoint)]
    lines += [
        '    exec "$@"',
        'fi',
        '',
        '# Apptainer semantics: the words (with the arguments, double-quoted) go through the shell once.',
        'CMDLINE_ARGS=""',
        'for arg in "$@"; do',
        '    CMDLINE_ARGS="${CMDLINE_ARGS} \\"$arg\\""',
        'done',
        'if [ $# -gt 0 ]; then',
        '    SINGULARITY_OCI_RUN="${OCI_ENTRYPOINT} ${CMDLINE_ARGS}"',
        'else',
        '    SINGULARITY_OCI_RUN="${OCI_ENTRYPOINT} ${OCI_CMD}"',
        'fi',
        # Checked before the evaluation: a bare ``set`` would list the shell's variables.
        'if [ $# -eq 0 ] && [ -z "${OCI_ENTRYPOINT}${OCI_CMD}" ]; then',
        '    echo "This image has neither ENTRYPOINT nor CMD: give a command to run" 1>&2',
        '    exit 1',
        'fi',
        'eval "set ${SINGULARITY_OCI_RUN}"',
        'exec "$@"',
    ]
    return '\n'.join(lines) + '\n'
