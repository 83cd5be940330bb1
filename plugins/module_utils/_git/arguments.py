# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What may be handed to git: URL, ref, commit and path checks, and credential redaction.

No user value can reach git as an option. URLs pass ``validate_url`` (no leading ``-``, no
``ext::``, ``fd::`` or other ``<helper>::`` transport; https, http, ssh, git and file URLs,
``user@host:path`` and local paths only), refs and branches ``validate_ref`` /
``validate_branch`` (``git check-ref-format`` rules, no leading ``-``), commit ids must be hex.
Every check runs before any git process starts; a failure is an InputError naming the option or
file key, the value and what would be valid.
"""

from __future__ import annotations

import re

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

PROTOCOLS = ('file', 'git', 'http', 'https', 'ssh')
URL_SCHEMES = PROTOCOLS + ('git+ssh', 'ssh+git')  # git's own aliases of ssh
VALID_URLS = 'an https, http, ssh, git or file URL, user@host:path or a local path'

_HELPER_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9+.-]*::')
_SCHEME_RE = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)')
_SCP_RE = re.compile(r'^([^/:]+):')
_CREDENTIALS_RE = re.compile(r'([A-Za-z][A-Za-z0-9+.-]*://)([^/\s?#]+)@')
_REF_FORBIDDEN_RE = re.compile(r'[\x00-\x20\x7f~^:?*\[\\]')
_COMMIT_RE = re.compile(r'^(?:[0-9a-f]{40}|[0-9a-f]{64})$')


def redact(value):
    """Text (or a list or dict of texts) with URL credentials hidden: ``https://u:***@h``, ``https://***@h``."""
    if isinstance(value, dict):
        return dict((key, redact(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    if not isinstance(value, str):
        return value

    def hide(match):
        scheme, (user, colon, dummy) = match.group(1), match.group(2).partition(':')
        if colon:
            return '%s%s:***@' % (scheme, user)
        # On http(s), a token may stand as the user name.
        return '%s***@' % scheme if scheme.lower().startswith('http') else match.group(0)
    return _CREDENTIALS_RE.sub(hide, value)


def _url_problem(url):
    if not isinstance(url, str) or not url.strip():
        return 'it is empty or not a string'
    if url.startswith('-'):
        return 'it starts with "-", which git would read as an option'
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        return 'it holds control characters'
    helper = _HELPER_RE.match(url)
    if helper:
        return 'the %s remote-helper transport can run commands' % helper.group(0)
    scheme = _SCHEME_RE.match(url)
    if scheme:
        if scheme.group(1).lower() not in URL_SCHEMES:
            return 'the %s:// scheme is not allowed' % scheme.group(1)
        host = scheme.group(2).rpartition('@')[2]
    else:
        scp = _SCP_RE.match(url)
        host = scp.group(1).rpartition('@')[2] if scp else ''
    if host.startswith('-'):
        return 'its host starts with "-", which ssh would read as an option'
    return None


def validate_url(url, where='url'):
    """``url`` when git may be given it; else an InputError naming ``where``, the value and what is valid."""
    problem = _url_problem(url)
    if problem:
        raise InputError('%s: %r is not a valid git repository URL (%s); use %s' % (where, redact(url), problem, VALID_URLS),
                         where=where, url=redact(url))
    return url


_REF_RULES = (
    (lambda name: name.startswith('-'), 'it starts with "-"'),
    (_REF_FORBIDDEN_RE.search, 'it holds a space, a control character or one of ~ ^ : ? * [ \\'),
    (lambda name: '..' in name or '@{' in name or name == '@', 'it holds "..", "@{" or is "@"'),
    (lambda name: name.startswith('/') or name.endswith(('/', '.')) or '//' in name,
     'it starts or ends with "/", ends with "." or holds "//"'),
    (lambda name: any(part.startswith('.') or part.endswith('.lock') for part in name.split('/')),
     'a part of it starts with "." or ends with ".lock"'),
)


def _ref_problem(name):
    if not isinstance(name, str) or not name:
        return 'it is empty or not a string'
    return next((problem for test, problem in _REF_RULES if test(name)), None)


def validate_ref(name, where='ref', kind='ref'):
    """``name`` when ``git check-ref-format --allow-onelevel`` accepts it, it has no leading ``-`` and, for a
    branch, it is not HEAD."""
    problem = _ref_problem(name) or ('HEAD is not a branch' if kind == 'branch' and name == 'HEAD' else None)
    if problem:
        raise InputError('%s: %r is not a valid git %s name (%s)' % (where, name, kind, problem), where=where, ref=name)
    return name


def validate_branch(name, where='branch'):
    return validate_ref(name, where, 'branch')


def is_commit_id(text):
    """Whether ``text`` is a full commit id (40 or 64 lowercase hexadecimal digits)."""
    return isinstance(text, str) and bool(_COMMIT_RE.match(text))


def validate_commit(text, where='commit'):
    if not is_commit_id(text):
        raise InputError('%s: %r is not a full commit id (40 hexadecimal digits)' % (where, text), where=where, commit=text)
    return text


def validate_path(path, where='path'):
    parts = [part for part in (path or '').split('/') if part not in ('', '.')]
    if not parts or '..' in parts or (path or '').startswith('/'):
        raise InputError('%s: %r is not a path inside the repository' % (where, path), where=where, path=path)
    return '/'.join(parts)
