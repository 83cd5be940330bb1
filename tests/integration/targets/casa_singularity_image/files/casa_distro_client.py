# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""casa-distro's download rule, written from its description, run against the real web server.

The client lists a download directory by parsing an Apache-style HTML listing: it collects the
text of every <a> inside a <td>, skips the first entry (the parent directory), matches names as
NAME-VERSION-PATCH.EXT, picks the highest PATCH for its NAME and VERSION, then downloads
FILE.json and FILE. For a dev image it reads origin_run in the JSON and looks for the run image
whose JSON image_id equals it.

Usage: casa_distro_client.py BASE_URL VERSION DOWNLOAD_DIR. Prints a JSON report.
"""

import hashlib
import html.parser
import json
import os
import re
import sys
import urllib.request

IMAGE_RE = re.compile(r'^([\w-]+)-(\d+\.\d+(?:\.\d+)?)-(\d+)\.(\w+)$')


class CellLinks(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_td = False
        self.in_a = False
        self.names = []

    def handle_starttag(self, tag, attrs):
        if tag == 'td':
            self.in_td = True
        elif tag == 'a' and self.in_td:
            self.in_a = True
            self.names.append('')

    def handle_endtag(self, tag):
        if tag == 'td':
            self.in_td = False
        elif tag == 'a':
            self.in_a = False

    def handle_data(self, data):
        if self.in_a:
            self.names[-1] += data


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read()


def listing_names(text):
    """The entries of a listing page, the first one (the parent directory) skipped."""
    parser = CellLinks()
    parser.feed(text)
    return parser.names[1:]


def url_listdir(url):
    return listing_names(fetch(url).decode('utf-8'))


def builds(names, name, version):
    """{PATCH: FILE} of NAME-VERSION-PATCH.EXT entries."""
    found = {}
    for entry in names:
        match = IMAGE_RE.match(entry)
        if match and match.group(1) == name and match.group(2) == version:
            found[int(match.group(3))] = entry
    return found


def download(base_url, filename, directory):
    """FILE.json then FILE; the MD5 of FILE checked against its JSON."""
    metadata = json.loads(fetch(base_url + filename + '.json'))
    data = fetch(base_url + filename)
    if hashlib.md5(data).hexdigest() != metadata.get('md5'):
        raise SystemExit('%s: MD5 mismatch' % filename)
    with open(os.path.join(directory, filename), 'wb') as handle:
        handle.write(data)
    return metadata


def main():
    base_url, version, directory = sys.argv[1], sys.argv[2], sys.argv[3]
    names = url_listdir(base_url)
    report = {'entries': names}
    run_builds = builds(names, 'casa-run', version)
    dev_builds = builds(names, 'casa-dev', version)
    report['run_patches'] = sorted(run_builds)
    report['dev_patches'] = sorted(dev_builds)
    if not run_builds or not dev_builds:
        print(json.dumps(report))
        return
    report['latest_run'] = run_builds[max(run_builds)]
    report['latest_dev'] = dev_builds[max(dev_builds)]
    download(base_url, report['latest_run'], directory)
    dev = download(base_url, report['latest_dev'], directory)
    report['origin_run'] = dev.get('origin_run')
    for patch in sorted(run_builds, reverse=True):
        run = json.loads(fetch(base_url + run_builds[patch] + '.json'))
        if run.get('image_id') and run.get('image_id') == dev.get('origin_run'):
            report['paired_run'] = run_builds[patch]
            break
    print(json.dumps(report))


if __name__ == '__main__':
    main()
