# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/utils/secret_scan.py: a planted secret is found with its file and line, in any file."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.casa.distro.tests.utils import secret_scan


def plant(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(data)


@pytest.mark.parametrize('secret, name', [
    (b'not-a-real-secret-4242', 'registry password'),
    (b'https://bot:S3cretT0kenA@example.org/x.git', 'git token'),
    (b'faulty-proxy-secret-12345678', 'faulty registry password'),
], ids=['registry-password', 'git-token', 'proxy-password'])  # a secret in a test ID would reach the junit file
def test_a_planted_secret_is_found_with_its_file_and_line(tmp_path, capsys, secret, name):
    plant(str(tmp_path / 'out' / 'clean.log'), b'nothing here\n' * 3)
    plant(str(tmp_path / 'out' / 'deep' / 'run.log'), b'line one\nline two\n\x00\xff binary ' + secret + b' tail\n')
    figures = str(tmp_path / 'figures')
    assert secret_scan.main(['--record', 'planted', '--figures', figures, str(tmp_path / 'out')]) == 1
    recorded = json.load(open(os.path.join(figures, 'secrets-planted.json')))
    where = str(tmp_path / 'out' / 'deep' / 'run.log')
    assert recorded == {'files': 2, 'found': [{'file': where, 'line': 3, 'secret': name}]}
    assert '%s:3: %s found' % (where, name) in capsys.readouterr().err


def test_a_clean_run_passes_and_counts_its_files(tmp_path, capsys):
    plant(str(tmp_path / 'a.json'), b'{"password": "********"}\n')
    plant(str(tmp_path / 'empty'), b'')
    plant(str(tmp_path / 'sub' / 'faulty-proxy-secret-.txt'), b'faulty-proxy-secret-{{ 99 | random }}\n')
    os.symlink('/nonexistent', str(tmp_path / 'dangling'))
    assert secret_scan.main([str(tmp_path), str(tmp_path / 'missing')]) == 0
    assert capsys.readouterr().out == 'secret scan: 0 found in 3 files\n'


def test_every_occurrence_is_reported(tmp_path):
    plant(str(tmp_path / 'f'), b'S3cretT0kenA\nx\nS3cretT0kenB not-a-real-secret-4242\n')
    scanned, found = secret_scan.scan([str(tmp_path / 'f')])
    assert scanned == 1
    assert [(hit['line'], hit['secret']) for hit in found] == [(1, 'git token'), (3, 'git token'), (3, 'registry password')]


def test_an_unreadable_file_is_a_finding_not_a_skip(tmp_path, monkeypatch):
    plant(str(tmp_path / 'f'), b'x')

    def refuse(path):
        raise PermissionError(13, 'Permission denied', path)

    monkeypatch.setattr(secret_scan, 'scan_file', refuse)
    scanned, found = secret_scan.scan([str(tmp_path)])
    assert scanned == 1 and found == [{'file': str(tmp_path / 'f'), 'line': 0, 'secret': 'unreadable: Permission denied'}]
