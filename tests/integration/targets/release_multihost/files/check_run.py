# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of runme.sh on what the build hosts reported (site.yml writes it):

- the registry serves every pushed tag with the digest its host reported;
- a parent built on another host was pinned to that host's digest (``bases``);
- ``first`` run: the builds of two independent images on different hosts overlapped in time.

Usage: check_run.py REPORTED_JSON REGISTRY first|again
"""

from __future__ import annotations

import datetime
import json
import sys
import urllib.request

ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def registry_digest(registry, name, tag):
    repository = name.split('/', 1)[1]
    request = urllib.request.Request('http://%s/v2/%s/manifests/%s' % (registry, repository, tag),
                                     headers={'Accept': ACCEPT}, method='HEAD')
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get('Docker-Content-Digest')


def pushed_digests(reported, registry):
    """{name:tag: (host, digest)}, each checked against the registry."""
    pushed = {}
    for host, result in sorted(reported.items()):
        for image in result['images']:
            if not image['pushed']:
                fail('%s reported no push of %s' % (host, image['name']))
            for tag, digest in image['pushed'].items():
                served = registry_digest(registry, image['name'], tag)
                if served != digest:
                    fail('%s:%s: %s reported %s, the registry serves %s' % (image['name'], tag, host, digest, served))
                pushed['%s:%s' % (image['name'], tag)] = (host, digest)
                print('%-7s %s:%s %s (in the registry)' % (host, image['name'], tag, digest))
    return pushed


def check_pins(reported, pushed):
    pins = 0
    for host, result in sorted(reported.items()):
        for base in result.get('bases', []):
            origin = pushed.get(base['reference'])
            if origin is None or origin[0] == host:
                continue
            if base['digest'] != origin[1]:
                fail('%s built on %s at %s, but %s pushed %s' % (host, base['reference'], base['digest'], origin[0], origin[1]))
            pins += 1
            print('%-7s used %s from %s by digest %s' % (host, base['reference'], origin[0], base['digest']))
    if not pins:
        fail('no host used a parent built on another host')


def check_overlap(reported):
    builds = []
    for host, result in sorted(reported.items()):
        for image in result['images']:
            if image['build_started']:
                start = datetime.datetime.fromisoformat(image['build_started'])
                end = datetime.datetime.fromisoformat(image['build_ended'])
                builds.append((host, image['name'], start, end))
                seconds = (end - start).total_seconds()
                print('%-7s built %s from %s to %s (%.1f s)' % (host, image['name'], start.time(), end.time(), seconds))
    overlaps = [(a, b, (min(a[3], b[3]) - max(a[2], b[2])).total_seconds())
                for index, a in enumerate(builds) for b in builds[index + 1:] if a[0] != b[0]]
    overlaps = [item for item in overlaps if item[2] > 0]
    if not overlaps:
        fail('no two builds on different hosts overlapped in time')
    for a, b, seconds in overlaps:
        print('overlap: %s on %s and %s on %s, %.1f s' % (a[1], a[0], b[1], b[0], seconds))


def main():
    reported_file, registry, run = sys.argv[1:4]
    with open(reported_file, encoding='utf-8') as stream:
        reported = json.load(stream)
    pushed = pushed_digests(reported, registry)
    check_pins(reported, pushed)
    if run == 'first':
        check_overlap(reported)


if __name__ == '__main__':
    main()
