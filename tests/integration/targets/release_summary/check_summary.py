# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the JSON of the release_summary callback against the registry (HTTP API) and the
published files. Usage: python3 check_summary.py SUMMARY_JSON IMAGE WORK_DIR IMAGE_SIZE"""

import hashlib
import json
import os
import sys
import urllib.request

MANIFEST_TYPES = ', '.join(('application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
                            'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'))
SIF_NAME = 'casa-summary-tiny'
BASE_URL = 'http://downloads.example.org/sif/'


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def expect(what, got, wanted):
    if got != wanted:
        fail('%s: the summary says %r, expected %r' % (what, got, wanted))


def registry_digest(image, tag):
    """The manifest digest the registry serves for image:tag (HEAD on its v2 API)."""
    registry, repository = image.split('/', 1)
    request = urllib.request.Request('http://%s/v2/%s/manifests/%s' % (registry, repository, tag), method='HEAD',
                                     headers={'Accept': MANIFEST_TYPES})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers['Docker-Content-Digest']


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for block in iter(lambda: stream.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def check_image(summary, image, size):
    entries = [entry for entry in summary['docker_images'] if entry['name'] == image]
    if len(entries) != 1:
        fail('%d entries for %s in %s' % (len(entries), image, summary['docker_images']))
    entry = entries[0]
    expect('tags', entry['tags'], ['1', 'latest'])
    expect('status', (entry['status'], entry['built']), ('built', True))
    expect('size', entry['size'], size)
    for tag in entry['tags']:
        expect('digest of %s:%s' % (image, tag), entry['digest'], registry_digest(image, tag))
    print('image %s: digest %s as in the registry' % (image, entry['digest']))


def check_sif(summary, work):
    entries = [entry for entry in summary['sif_images'] if entry['name'] == SIF_NAME]
    if len(entries) != 1:
        fail('%d entries for %s in %s' % (len(entries), SIF_NAME, summary['sif_images']))
    entry = entries[0]
    publish_dir = os.path.join(work, 'publish')
    with open(os.path.join(publish_dir, 'index.json'), encoding='utf-8') as stream:
        build = json.load(stream)['images'][SIF_NAME]['builds'][-1]
    published = os.path.join(publish_dir, build['file'])
    expect('path', entry['path'], os.path.join(work, 'tiny.sif'))
    expect('sha256', entry['sha256'], sha256_of(published))
    expect('sha256 of the converted file', entry['sha256'], sha256_of(entry['path']))
    expect('size', entry['size'], os.path.getsize(published))
    expect('build number', entry['build_number'], build['build_number'])
    expect('published file', entry['published_file'], build['file'])
    expect('url', entry['url'], BASE_URL + build['file'])
    expect('status', (entry['converted'], entry['publication']), (True, 'published'))
    print('SIF %s: build %d, sha256 %s as published' % (SIF_NAME, entry['build_number'], entry['sha256']))


def main():
    path, image, work, size = sys.argv[1:5]
    with open(path, encoding='utf-8') as stream:
        summary = json.load(stream)
    expect('generator', (summary['schema_version'], summary['generator']), (1, 'casa.distro.release_summary'))
    expect('status', (summary['status'], summary['failures']), ('successful', []))
    check_image(summary, image, int(size))
    check_sif(summary, work)
    rows = summary['sections'].get('workflows_mirrored')
    wanted = [{'host': 'localhost', 'name': 'build-images', 'source': 'casa/build-images', 'commit': '0123456789abcdef0123456789abcdef01234567'}]
    expect('rows fed through casa_summary', rows, wanted)


if __name__ == '__main__':
    main()
