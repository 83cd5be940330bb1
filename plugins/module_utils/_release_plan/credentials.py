# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials in component URLs (``https://user:token@host/repo.git``): kept out of everything
the module writes or returns.

The plan file, the results, the reports and the working clones' ``.git/config`` hold the public
URL (the password, or the token standing as an http(s) user name, removed). The URL as written in
the components file reaches git only through the environment of each run, as an
``url.<secret>.insteadOf=<public>`` setting (GIT_CONFIG_COUNT), never on a command line or on
disk.
"""

from __future__ import annotations

import re

_USERINFO_RE = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*://)([^/\s?#]*)@')


def public_url(url):
    """``url`` without its secret: ``https://user:token@h/x`` -> ``https://user@h/x``,
    ``https://token@h/x`` -> ``https://h/x``; an ssh user name (not a secret) is kept."""
    if not isinstance(url, str):
        return url
    match = _USERINFO_RE.match(url)
    if not match:
        return url
    scheme, userinfo = match.group(1), match.group(2)
    user, colon, dummy = userinfo.partition(':')
    if colon:
        kept = user + '@' if user else ''
    elif scheme.lower().startswith('http'):
        kept = ''
    else:
        return url
    return scheme + kept + url[match.end():]


class Credentials:
    """The secret URL of each public URL, from the components file."""

    def __init__(self, urls=()):
        self.secrets = {}
        for url in urls:
            public = public_url(url)
            if public != url:
                self.secrets[public] = url

    def env(self, url, base=None):
        """The environment of a git run on public ``url``: ``base`` plus the rewrite to its
        secret URL when it has one."""
        env = dict(base or {})
        secret = self.secrets.get(url)
        if secret:
            env.update({'GIT_CONFIG_COUNT': '1', 'GIT_CONFIG_KEY_0': 'url.%s.insteadOf' % secret, 'GIT_CONFIG_VALUE_0': url})
        return env
