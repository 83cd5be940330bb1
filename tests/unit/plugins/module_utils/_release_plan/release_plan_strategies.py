# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hypothesis strategies for the release plan's input files (components, decisions, plan,
version files): documents of the right shape with random values, wrong types, hostile URLs and
paths, huge numbers, deep nesting, random and non-UTF-8 bytes. Used by the parser property
tests of this directory (tests/unit/utils/fuzz.py)."""

from __future__ import annotations

import yaml
from hypothesis import strategies as st

HOSTILE_TEXTS = ['--upload-pack=touch PWNED', 'ext::sh -c x', 'fd::3', '/etc/passwd', '../../x', '.git/config', '',
                 '-x', 'a/b', '.hidden', '{version}', '{x}', 'v{version}{', '\x00', 'https://user:token@example.org/a.git',
                 '1.2.3', 'main', '9' * 5000, 'é', '\u202e', 'HEAD', 'a' * 40, 'b' * 64]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                    st.sampled_from(HOSTILE_TEXTS), st.integers(min_value=10 ** 30, max_value=10 ** 40))
values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=10), st.integers(), st.booleans()), children, max_size=4)), max_leaves=12)


def dump(document):
    """The YAML bytes of ``document`` (PyYAML writes any of the values above)."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode('utf-8')


# YAML texts no dump makes: numbers of thousands of digits, deep nesting, bad dates, aliases, tabs.
RAW_TEXTS = [b'components: ' + b'[' * 3000 + b']' * 3000, b'x: ' + b'9' * 5000, b'ignore: {component: [' + b'1' * 6000 + b']}',
             b'schema_version: 1\nprojects: 2001-13-45', b'a: &a [*a]', b'\tcomponents: []', b'- - - -' * 500,
             b'components:\n  - name: \xff\xfe\n', b'\xef\xbb\xbfcomponents: []', b'!!python/object:os.system {}',
             b'{' * 2000 + b'}' * 2000, b'components: !!binary AAAA']


@st.composite
def mutated(draw, document):
    """``document`` dumped, sometimes with random bytes spliced in."""
    data = dump(document)
    if draw(st.booleans()):
        return data
    at = draw(st.integers(min_value=0, max_value=len(data)))
    return data[:at] + draw(st.binary(max_size=8)) + data[at + draw(st.integers(min_value=0, max_value=4)):]


def file_bytes(documents):
    """Bytes of a file: documents of the right shape (mutated or not), raw hostile texts, random bytes."""
    return st.one_of(documents.flatmap(mutated), st.sampled_from(RAW_TEXTS), st.binary(max_size=200))


def mapping_with(keys, good_values):
    """Mappings made of some of ``keys`` (and a stray one), values good or random."""
    key = st.one_of(st.sampled_from(keys), st.sampled_from(keys), st.text(max_size=6), st.integers(), st.booleans())
    return st.dictionaries(key, st.one_of(good_values, good_values, values), max_size=len(keys) + 1)
