# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Declared schemas for the files the collection reads, checked before any logic touches them.

A schema is built from a few node types (Str, Int, Float, Bool, Null, ListOf, MapOf, Record,
OneOf) and ``check(schema, value, where)`` returns the value or raises SchemaError with a message
of the form ``FILE: KEY.PATH: expected a list of strings, got 5``.

Written here rather than with Ansible's ArgumentSpecValidator or a JSON-schema library because
file formats need exact types (Ansible's validator converts 5 to '5' and True to 'True'),
messages that name the file and the key path, and no new dependency on the build hosts. It
recurses only as deep as the schema: data nested deeper than its schema is rejected at the
first level that does not match, so hostile nesting cannot exhaust the stack.
"""

from __future__ import annotations

import re
import reprlib

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError

SHOWN_CHARS = 60
# Shows three levels of a nested value at most: repr() of hostile nesting exhausts the stack.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxstring = SHOWN_CHARS
_SHORT_REPR.maxother = SHOWN_CHARS


class SchemaError(InputError):
    """A file's content does not match its declared schema."""


def show(value):
    """A short, safe rendering of a bad value for a message (huge numbers and long strings cut)."""
    try:
        text = _SHORT_REPR.repr(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return 'an integer with more than 4300 digits'
    return text


def _type_word(value):
    if value is None:
        return 'null'
    return {bool: 'a boolean', int: 'an integer', float: 'a number', str: 'a string',
            list: 'a list', dict: 'a mapping'}.get(type(value), type(value).__name__)


class Node:
    """A schema node: ``describe()`` says what it accepts, ``check_at`` validates a value."""

    def describe(self):
        raise NotImplementedError

    def check_at(self, value, path, fail):
        raise NotImplementedError

    def _mismatch(self, value, path, fail):
        fail(path, 'expected %s, got %s %s' % (self.describe(), _type_word(value), show(value)))


class Str(Node):
    """A string, optionally matching ``pattern`` (a full match) or one of ``choices``."""

    def __init__(self, pattern=None, choices=None, empty=True, what=None):
        self.pattern = re.compile(pattern) if pattern else None
        self.choices = tuple(choices) if choices else None
        self.empty = empty
        self.what = what

    def describe(self):
        if self.choices:
            return 'one of %s' % ', '.join(self.choices)
        return self.what or ('a string' if self.empty else 'a non-empty string')

    def check_at(self, value, path, fail):
        if not isinstance(value, str):
            return self._mismatch(value, path, fail)
        if not self.empty and not value:
            return fail(path, 'expected %s, got an empty string' % self.describe())
        if self.choices and value not in self.choices:
            return fail(path, 'expected %s, got %s' % (self.describe(), show(value)))
        if self.pattern and not self.pattern.fullmatch(value):
            return fail(path, 'expected %s, got %s' % (self.what or 'a string matching %s' % self.pattern.pattern,
                                                       show(value)))
        return value


class Int(Node):
    """An integer (not a boolean) within optional bounds."""

    def __init__(self, minimum=None, maximum=None):
        self.minimum = minimum
        self.maximum = maximum

    def describe(self):
        bounds = ''
        if self.minimum is not None and self.maximum is not None:
            bounds = ' from %d to %d' % (self.minimum, self.maximum)
        elif self.minimum is not None:
            bounds = ' of at least %d' % self.minimum
        return 'an integer' + bounds

    def check_at(self, value, path, fail):
        if isinstance(value, bool) or not isinstance(value, int):
            return self._mismatch(value, path, fail)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            return fail(path, 'expected %s, got %s' % (self.describe(), show(value)))
        return value


class Float(Node):
    def describe(self):
        return 'a number'

    def check_at(self, value, path, fail):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self._mismatch(value, path, fail)
        return value


class Bool(Node):
    def describe(self):
        return 'a boolean'

    def check_at(self, value, path, fail):
        if not isinstance(value, bool):
            return self._mismatch(value, path, fail)
        return value


class Null(Node):
    def describe(self):
        return 'null'

    def check_at(self, value, path, fail):
        if value is not None:
            return self._mismatch(value, path, fail)
        return value


class Anything(Node):
    """Any value, for free-form data that is passed through, never interpreted."""

    def describe(self):
        return 'any value'

    def check_at(self, value, path, fail):
        return value


class ListOf(Node):
    def __init__(self, item, min_items=0):
        self.item = item
        self.min_items = min_items

    def describe(self):
        item = self.item.describe()
        for article in ('a ', 'an '):
            if item.startswith(article):
                item = item[len(article):] + 's'
                break
        return 'a list of %s' % item

    def check_at(self, value, path, fail):
        if not isinstance(value, list):
            return self._mismatch(value, path, fail)
        if len(value) < self.min_items:
            return fail(path, 'expected at least %d item(s), got %d' % (self.min_items, len(value)))
        return [self.item.check_at(item, path + [index], fail) for index, item in enumerate(value)]


class MapOf(Node):
    """A mapping whose keys all match ``key`` and values ``value``."""

    def __init__(self, value, key=None):
        self.key = key or Str()
        self.value = value

    def describe(self):
        return 'a mapping'

    def check_at(self, value, path, fail):
        if not isinstance(value, dict):
            return self._mismatch(value, path, fail)
        checked = {}
        for key, item in value.items():
            if not isinstance(key, str):
                fail(path, 'keys must be strings, got %s %s' % (_type_word(key), show(key)))
            self.key.check_at(key, path + [key], fail)
            checked[key] = self.value.check_at(item, path + [key], fail)
        return checked


class Field:
    """A key of a Record: its schema, whether it is required, its default when absent."""

    def __init__(self, node, required=False, default=None):
        self.node = node
        self.required = required
        self.default = default


class Record(Node):
    """A mapping with declared keys. ``extra``: 'forbid' (an unknown key is an error) or 'allow'
    (unknown keys are kept unchecked)."""

    def __init__(self, fields, extra='forbid', what='a mapping'):
        self.fields = dict((name, field if isinstance(field, Field) else Field(field))
                           for name, field in fields.items())
        self.extra = extra
        self.what = what

    def describe(self):
        return self.what

    def check_at(self, value, path, fail):
        if not isinstance(value, dict):
            return self._mismatch(value, path, fail)
        checked = {}
        for key in value:
            if not isinstance(key, str):
                fail(path, 'keys must be strings, got %s %s' % (_type_word(key), show(key)))
            if key not in self.fields and self.extra == 'forbid':
                fail(path + [key], 'unknown key; valid keys: %s' % ', '.join(sorted(self.fields)))
        for name, field in self.fields.items():
            if name in value:
                checked[name] = field.node.check_at(value[name], path + [name], fail)
            elif field.required:
                fail(path + [name], 'required key is missing')
            else:
                checked[name] = field.default
        if self.extra == 'allow':
            checked.update((key, item) for key, item in value.items() if key not in self.fields)
        return checked


class OneOf(Node):
    """The first of several schemas that accepts the value."""

    def __init__(self, *choices):
        self.choices = choices

    def describe(self):
        return ' or '.join(choice.describe() for choice in self.choices)

    def check_at(self, value, path, fail):
        for choice in self.choices:
            try:
                return choice.check_at(value, path, _raise)
            except SchemaError:
                continue
        return self._mismatch(value, path, fail)


def key_path(path):
    """``a.b[2].c`` for the path ['a', 'b', 2, 'c']."""
    text = ''
    for part in path:
        if isinstance(part, int):
            text += '[%d]' % part
        else:
            text += ('.' if text else '') + str(part)
    return text


def _raise(path, problem, where=None):
    prefix = '%s: ' % where if where else ''
    key = key_path(path)
    raise SchemaError('%s%s%s' % (prefix, '%s: ' % key if key else '', problem),
                      file=where, key=key or None)


def check(schema, value, where):
    """``value`` checked against ``schema`` (absent optional keys filled with their defaults);
    SchemaError naming ``where`` (the file) and the key path otherwise."""
    return schema.check_at(value, [], lambda path, problem: _raise(path, problem, where))
