# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``index.html``: the listing of a publish directory that casa-distro's own clients read.

Their client parses an Apache-style listing: the text of every ``<a>`` inside a ``<td>``, the
first entry (the parent directory) skipped, names matched as ``NAME-VERSION-PATCH.EXT``.
nginx's autoindex writes a ``<pre>`` listing in which that client finds nothing, so the
publisher writes this table itself, atomically, at each publication, under the index lock.
Chosen over nginx's XML autoindex plus an XSLT stylesheet because it needs no web server
module (any static server, Apache or nginx, serves it as the directory index) and lists only
complete builds: never an upload in progress, a temporary file or a build without its JSON.
"""

from __future__ import annotations

import html
import os
from urllib.parse import quote

from ansible_collections.casa.distro.plugins.module_utils._files import PUBLIC_MODE, write_if_changed
from ansible_collections.casa.distro.plugins.module_utils._sif.publish_links import v2_paths

LISTING_NAME = 'index.html'

_HEAD = '''<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of casa-distro images</title>
 </head>
 <body>
<h1>Index of casa-distro images</h1>
  <table>
   <tr><th>Name</th><th>Last modified</th><th>Size</th></tr>
   <tr><td><a href="../">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td></tr>
'''
_TAIL = '''  </table>
<p>The same content as JSON: <a href="index.json">index.json</a></p>
</body></html>
'''


def _human_size(size):
    if size is None:
        return '-'
    for unit in ('', 'K', 'M', 'G'):
        if size < 1024 or unit == 'G':
            return '%d%s' % (size, unit) if unit == '' else '%.1f%s' % (size, unit)
        size /= 1024.0
    return '-'  # pragma: no cover


def _row(name, when=None, size=None):
    return ('   <tr><td><a href="%s">%s</a></td><td align="right">%s</td><td align="right">%s</td></tr>\n'
            % (html.escape(quote(name), quote=True), html.escape(name), html.escape(when or ''),
               _human_size(size)))


def listing_entries(publish_dir, index):
    """(file name, time, size) of every file the listing shows, sorted by name."""
    entries = []
    for name, image in index['images'].items():
        for build in image['builds']:
            entries.append((build['file'], build.get('publication_time'), build.get('size')))
            entries.append((build['file'] + '.json', build.get('publication_time'), None))
        entries.append((name + '-latest.sif', None, None))
        entries.append((name + '-latest.sif.json', None, None))
        for path in v2_paths(publish_dir, name):
            if os.path.lexists(path):
                entries.append((os.path.basename(path), None, None))
    return sorted(entries)


def listing_html(publish_dir, index):
    """The HTML table of the publish directory (deterministic: no generation time)."""
    rows = [_row(*entry) for entry in listing_entries(publish_dir, index)]
    return _HEAD + ''.join(rows) + _row('index.json') + _TAIL


def update_listing(publish_dir, index):
    """Write index.html when its content changes (nothing before the first build); True then."""
    path = os.path.join(publish_dir, LISTING_NAME)
    if not index['images'] and not os.path.exists(path):
        return False
    return write_if_changed(path, listing_html(publish_dir, index), mode=PUBLIC_MODE)
