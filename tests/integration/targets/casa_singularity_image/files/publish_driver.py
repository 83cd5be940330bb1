# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs casa_singularity_image state=published as separate processes, to kill them (SIGKILL)
or race them against the real filesystem, and checks the publish directory after each fault.

Usage: publish_driver.py MODE SIF PUBLISH_DIR WORK_DIR
  kill-timed    publications killed after increasing delays, each followed by a check
  kill-copying  publications from another filesystem killed while the image is being copied
  race          six publishers started at once: three distinct images, three of one image
The module is run as ``python -m ansible_collections...casa_singularity_image ARGS_FILE``
(PYTHONPATH names the collection root). Prints a JSON report; exits 1 when an invariant fails.
"""

import glob
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time

MODULE = 'ansible_collections.casa.distro.plugins.modules.casa_singularity_image'
NAME = 'casa-fault-1.0'
BUILD_RE = re.compile(r'^%s-(\d+)\.sif$' % re.escape(NAME))


def variant(sif, work_dir, tag, padding):
    """A copy of the SIF with trailing bytes: another checksum, still a valid SIF."""
    path = os.path.join(work_dir, 'variant-%s.sif' % tag)
    with open(sif, 'rb') as source, open(path, 'wb') as out:
        out.write(source.read())
        out.write(tag.encode() * 16)
        if padding:
            out.seek(padding - 1, os.SEEK_CUR)
            out.write(b'\0')
    return path


def metadata_of(path):
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            md5.update(block)
            sha256.update(block)
    return {'name': NAME, 'type': 'run', 'image_version': '1.0', 'size': os.path.getsize(path),
            'md5': md5.hexdigest(), 'sha256': sha256.hexdigest()}


def start(publish_dir, work_dir, src, tag, metadata=None):
    """The module publishing ``src`` (or only asking, when ``src`` is None) in a new process."""
    args = os.path.join(work_dir, 'args-%s.json' % tag)
    module_args = {'state': 'published', 'publish_dir': publish_dir, 'metadata': metadata or metadata_of(src)}
    if src:
        module_args['src'] = src
    with open(args, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': module_args}, handle)
    return subprocess.Popen([sys.executable, '-m', MODULE, args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process):
    out, err = process.communicate(timeout=300)
    try:
        return json.loads(out)
    except ValueError:
        return {'failed': True, 'msg': (out + err).decode(errors='replace')[-2000:]}


def problems(publish_dir):
    """What a client could see half-published: a build JSON without its complete image, an index
    or listing naming a build that is not complete, an unreadable index."""
    found = []
    complete = set()
    for json_path in glob.glob(os.path.join(publish_dir, NAME + '-*.sif.json')):
        sif = json_path[:-len('.json')]
        if not BUILD_RE.match(os.path.basename(sif)):
            continue
        with open(json_path) as handle:
            data = json.load(handle)
        if not os.path.isfile(sif) or os.path.getsize(sif) != data['size']:
            found.append('%s without its complete image' % json_path)
        else:
            complete.add(os.path.basename(sif))
    index_path = os.path.join(publish_dir, 'index.json')
    if os.path.exists(index_path):
        with open(index_path) as handle:
            index = json.load(handle)
        for build in (index['images'].get(NAME) or {}).get('builds', []):
            if build['file'] not in complete:
                found.append('index.json lists %s, which is not complete' % build['file'])
    listing = os.path.join(publish_dir, 'index.html')
    if os.path.exists(listing):
        with open(listing) as handle:
            for name in re.findall(r'>(%s-\d+\.sif)<' % re.escape(NAME), handle.read()):
                if name not in complete:
                    found.append('index.html lists %s, which is not complete' % name)
    return found


def published_shas(publish_dir):
    shas = []
    for json_path in sorted(glob.glob(os.path.join(publish_dir, NAME + '-*.sif.json'))):
        if BUILD_RE.match(os.path.basename(json_path)[:-len('.json')]):
            with open(json_path) as handle:
                shas.append(json.load(handle)['sha256'])
    return shas


def leftovers(publish_dir):
    """Temporary and pending files outside .incoming."""
    left = []
    for root, dummy_dirs, files in os.walk(publish_dir):
        if os.path.relpath(root, publish_dir).startswith('.incoming'):
            continue
        left.extend(os.path.join(root, name) for name in files if name.endswith(('.tmp', '.pending')))
    return left


def complete_after_kill(publish_dir, work_dir, src, metadata, tag, report):
    """The next run completes: the image is published exactly once, nothing half-done is left.
    (When the killed run had published it already, its upload was moved: the run only asks.)"""
    result = finish(start(publish_dir, work_dir, src if os.path.exists(src) else None, tag + '-again', metadata))
    sha = metadata['sha256']
    if result.get('failed'):
        report['errors'].append('%s: the run after the kill failed: %s' % (tag, result.get('msg')))
    if published_shas(publish_dir).count(sha) != 1:
        report['errors'].append('%s: published %d times after the kill' % (tag, published_shas(publish_dir).count(sha)))
    report['errors'].extend('%s: %s' % (tag, problem) for problem in problems(publish_dir))
    report['errors'].extend('%s: left %s' % (tag, path) for path in leftovers(publish_dir))


def kill_timed(sif, publish_dir, work_dir, report):
    for step in range(12):
        tag = 't%02d' % step
        src = variant(sif, work_dir, tag, 32 << 20)
        metadata = metadata_of(src)
        process = start(publish_dir, work_dir, src, tag, metadata)
        time.sleep(0.15 * step)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = 'finished' if process.returncode == 0 else 'killed'
        report['kills'].append({'tag': tag, 'after_seconds': round(0.15 * step, 2), 'state': state,
                                'reserved': len(glob.glob(os.path.join(publish_dir, '.casa-publish', '*.reserved')))})
        report['errors'].extend('%s right after the kill: %s' % (tag, problem) for problem in problems(publish_dir))
        complete_after_kill(publish_dir, work_dir, src, metadata, tag, report)


def kill_copying(sif, publish_dir, work_dir, report):
    """src on another filesystem: the image is copied under the lock, the pending JSON exists
    meanwhile; the kill lands while it is there."""
    for step in range(3):
        tag = 'c%d' % step
        src = variant(sif, work_dir, tag, 96 << 20)
        metadata = metadata_of(src)
        process = start(publish_dir, work_dir, src, tag, metadata)
        caught = False
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None:
            if glob.glob(os.path.join(publish_dir, '.casa-publish', '*.pending')):
                process.send_signal(signal.SIGKILL)
                caught = True
                break
            time.sleep(0.001)
        process.wait()
        report['kills'].append({'tag': tag, 'state': 'killed while copying' if caught else 'finished first'})
        report['errors'].extend('%s right after the kill: %s' % (tag, problem) for problem in problems(publish_dir))
        complete_after_kill(publish_dir, work_dir, src, metadata, tag, report)
    if not [kill for kill in report['kills'] if kill['state'] == 'killed while copying']:
        report['errors'].append('no kill landed during the copy')


def race(sif, publish_dir, work_dir, report):
    sources = [variant(sif, work_dir, 'r%d' % index, 8 << 20) for index in range(3)]
    same = variant(sif, work_dir, 'same', 8 << 20)
    copies = []
    for index in range(3):
        copy = os.path.join(work_dir, 'same-%d.sif' % index)
        os.link(same, copy)
        copies.append(copy)
    before = published_shas(publish_dir)
    processes = [start(publish_dir, work_dir, src, 'race%d' % index) for index, src in enumerate(sources + copies)]
    results = [finish(process) for process in processes]
    report['race'] = [dict((key, result.get(key)) for key in ('failed', 'msg', 'published', 'build_number', 'up_to_date'))
                      for result in results]
    after = published_shas(publish_dir)
    numbers = [result.get('build_number') for result in results[:3]]
    if any(result.get('failed') for result in results):
        report['errors'].append('a racing publisher failed')
    if len(set(numbers)) != 3:
        report['errors'].append('distinct images got build numbers %s' % numbers)
    if after.count(metadata_of(same)['sha256']) != 1 or len(after) != len(before) + 4:
        report['errors'].append('%d builds published by the race, 4 expected' % (len(after) - len(before)))
    if [result.get('published') for result in results[3:]].count(True) != 1:
        report['errors'].append('the same image was published %s times' % [r.get('published') for r in results[3:]])
    report['errors'].extend(problems(publish_dir))


def main():
    mode, sif, publish_dir, work_dir = sys.argv[1:5]
    os.makedirs(work_dir, exist_ok=True)
    report = {'mode': mode, 'kills': [], 'errors': []}
    {'kill-timed': kill_timed, 'kill-copying': kill_copying, 'race': race}[mode](sif, publish_dir, work_dir, report)
    report['builds'] = len(published_shas(publish_dir))
    print(json.dumps(report))
    sys.exit(1 if report['errors'] else 0)


if __name__ == '__main__':
    main()
