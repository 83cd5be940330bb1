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


# ------------------------------------------------------------------ generated Dockerfiles

from hypothesis import given, strategies as st  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.casa.distro.plugins.module_utils._build_context import ContextEntry, dockerfile_text  # noqa: E402
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings  # noqa: E402

DOCKERFILE = 'recipes/casa-run/Dockerfile'
LINES = st.lists(st.one_of(
    st.sampled_from(['FROM debian:12', 'FROM ${BASE}:$TAG AS b', 'FROM b', 'ARG BASE=x', 'ARG', 'FROM', 'FROM --platform=x',
                     'RUN a \\', '# c', '', 'FROM scratch', 'from Foo/Bar', 'ARG X="y"', 'FROM $X']),
    st.text(max_size=30)), max_size=12).map(lambda lines: '\n'.join(lines).encode('utf-8', 'surrogatepass'))


def parse_dockerfile(data, build_args):
    return parse_from_lines(dockerfile_text([ContextEntry('Dockerfile', DOCKERFILE, data)]), build_args)


@fuzz_settings
@given(st.one_of(LINES, st.binary(max_size=300)), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
def test_any_dockerfile_gives_its_bases_or_is_rejected_with_its_name(data, build_args):
    bases = check_parser('Dockerfile', lambda: parse_dockerfile(data, build_args), DOCKERFILE)
    for base in bases or []:
        assert normalize_base(base)


def test_a_dockerfile_that_is_not_utf8_is_named_with_the_offset(tmp_path):
    from ansible_collections.casa.distro.plugins.module_utils._build_context import BuildContextError
    path = tmp_path / 'Dockerfile'
    path.write_bytes(b'FROM a\n# caf\xe9\n')
    with pytest.raises(BuildContextError) as err:
        dockerfile_text([ContextEntry('Dockerfile', str(path))])
    assert str(err.value) == '%s: not UTF-8 text (byte 0xe9 at offset 12)' % path
