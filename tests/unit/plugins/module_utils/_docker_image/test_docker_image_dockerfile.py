# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image.dockerfile import normalize_base, parse_from_lines


def test_parse_from_lines_args_stages_and_scratch():
    text = '''# comment
ARG BASE=debian
ARG TAG
FROM ${BASE}:$TAG AS builder
RUN make
FROM builder AS test
FROM --platform=linux/amd64 scratch
FROM reg/run:1
COPY --from=builder /x /x
'''
    assert parse_from_lines(text, {'TAG': 'bookworm'}) == ['debian:bookworm', 'reg/run:1']


def test_parse_from_lines_continuations():
    assert parse_from_lines('FROM \\\n  alpine:3\nRUN true\n') == ['alpine:3']


@pytest.mark.parametrize('reference,expected', [
    ('debian', 'debian:latest'), ('debian:12', 'debian:12'),
    ('127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'), ('x@sha256:ab', 'x@sha256:ab'),
])
def test_normalize_base(reference, expected):
    assert normalize_base(reference) == expected
