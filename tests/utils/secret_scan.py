# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Searches every file a test run left for the secrets the tests use (issue 9).

The registry passwords and git tokens the tests hand to the modules must appear in no result,
log, label, plan, clone, side file or summary. Each test that uses a secret checks its own
results; this scan looks at everything else a run wrote: tests/output of the ansible-test copy
(tests/utils/ansible-test.sh, after every ansible-test command), the work directories of the
integration targets that handle secrets (at the end of each), and the repository's tests/output
and release summary (tests/utils/reliability_report.py, at the end of `make test`).

Usage: secret_scan.py [--record NAME] [--figures DIR] PATH...
Prints FILE:LINE for every secret found and exits 1 if any; with --record, writes
DIR/secrets-NAME.json ({"files": scanned, "found": [...]}) for docs/reliability.md.
"""

import argparse
import json
import mmap
import os
import re
import sys

# Every secret the tests use, in one place. A test that adds a secret adds it here.
SECRETS = (
    # casa_docker_image push (tasks/main.yml), release_summary, the callback's unit test
    ('registry password', re.escape(b'not-a-real-secret-4242')),
    # casa_release_plan: tokens in component URLs (S3cretT0kenA, S3cretT0kenB), module unit test
    ('git token', re.escape(b'S3cretT0ken')),
    # casa_docker_image registry_fault.yml: a password with a random number, sent through the proxy
    ('faulty registry password', b'faulty-proxy-secret-[0-9]+'),
)
PATTERN = re.compile(b'|'.join(b'(%s)' % pattern for _name, pattern in SECRETS))

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIGURES = os.path.join(TOP, 'tests', 'output', 'reliability')


def scan_file(path):
    """The (line, secret name) of every secret in the file at ``path``."""
    found = []
    with open(path, 'rb') as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return found
        # mmap: a SIF or an image archive of hundreds of MB is searched without reading it into memory.
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for match in PATTERN.finditer(data):
                line = data[:match.start()].count(b'\n') + 1
                found.append((line, SECRETS[match.lastindex - 1][0]))
    return found


def files_under(root):
    """Regular files at or under ``root``; symbolic links are not followed (their target is
    scanned where it lives, if it is under a scanned root)."""
    if os.path.isfile(root) and not os.path.islink(root):
        yield root
        return
    for directory, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def scan(roots):
    """Scan ``roots`` (files or directories; missing ones are skipped).

    Returns (number of files scanned, findings), each finding a dict with file, line, secret;
    a file that cannot be read is a finding too, so that nothing is skipped silently.
    """
    scanned = 0
    findings = []
    for root in roots:
        for path in files_under(root):
            scanned += 1
            try:
                hits = scan_file(path)
            except OSError as exc:
                findings.append(dict(file=path, line=0, secret='unreadable: %s' % exc.strerror))
                continue
            findings += [dict(file=path, line=line, secret=name) for line, name in hits]
    return scanned, findings


def record(name, figures, scanned, findings):
    os.makedirs(figures, exist_ok=True)
    path = os.path.join(figures, 'secrets-%s.json' % name)
    temporary = path + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as handle:
        json.dump(dict(files=scanned, found=findings), handle, indent=1)
    os.replace(temporary, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--record', metavar='NAME', help='write FIGURES/secrets-NAME.json')
    parser.add_argument('--figures', default=FIGURES, help='where to write the figures (%(default)s)')
    parser.add_argument('paths', nargs='+')
    args = parser.parse_args(argv)
    scanned, findings = scan(args.paths)
    if args.record:
        record(args.record, args.figures, scanned, findings)
    for finding in findings:
        print('%(file)s:%(line)d: %(secret)s found' % finding, file=sys.stderr)
    print('secret scan%s: %d found in %d files' % (' (%s)' % args.record if args.record else '', len(findings), scanned))
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
