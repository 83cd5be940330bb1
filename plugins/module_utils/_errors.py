# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error contract of the collection.

Every error raised on purpose is a CasaError: a message for the user plus structured details
(command, rc, file, key...) merged into the module's failure result. ``failure_of`` is the one
place where any exception becomes such a failure: project errors as they are, OSError and
decoding errors as a message naming the path, anything else as a casa.distro bug with its
traceback. Modules reach it through ``_module.run_module``.
"""

from __future__ import annotations

import traceback


class CasaError(Exception):
    """An error the collection raises on purpose: ``msg`` for the user, ``details`` for the
    failure result (never secrets)."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details

    def __str__(self):
        return self.msg


class InputError(CasaError):
    """A file, option or value given by the user is not valid."""


def _os_error_message(exc):
    """``path: reason`` for an OSError, naming both paths of a failed rename or link."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and exc.filename2 is not None:
        return '%s -> %s: %s' % (exc.filename, exc.filename2, reason)
    if exc.filename is not None:
        return '%s: %s' % (exc.filename, reason)
    return reason


def failure_of(exc):
    """The (msg, details) pair a module fails with for ``exc``."""
    if isinstance(exc, CasaError):
        return exc.msg, dict(exc.details)
    if isinstance(exc, OSError):
        return _os_error_message(exc), dict(errno=exc.errno, path=exc.filename)
    if isinstance(exc, UnicodeError):
        # A decoding error carries the bytes, not the file: the callers that read files name
        # the file themselves; this is the safety net for the ones that do not.
        return 'Text that is not valid UTF-8 was found (%s)' % exc, {}
    if isinstance(exc, RecursionError):
        return 'An input is nested too deeply to be processed', {}
    return ('Unexpected %s in casa.distro: %s. This is a bug in casa.distro; please report it with '
            'the traceback in "exception".' % (type(exc).__name__, exc),
            dict(exception=traceback.format_exc()))
