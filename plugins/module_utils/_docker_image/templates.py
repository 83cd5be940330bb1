# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recipe templates: casa-distro's %-formatting of names, tags and ``*.template`` files, and the
rendered build context of a recipe."""

from __future__ import annotations

import os
import re

from ansible_collections.casa.distro.plugins.module_utils import _build_context as build_context
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE
from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, read_text

TEMPLATE_SUFFIX = '.template'
ROUNDS = 10
# Rendering stops here: parameters that expand into each other could otherwise fill the memory.
MAX_RENDERED_CHARS = 16 << 20
MAX_WIDTH_DIGITS = 4
# One %-conversion as Python reads it; a '%' this does not match entirely is a bad one.
_SPEC_RE = re.compile(r'%(?:\((?P<key>[^()]*)\))?[#0 +-]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?'
                      r'(?P<conversion>[diouxXeEfFgGcrsa%])?')


def _line_of(text, offset):
    return text.count('\n', 0, offset) + 1


def _spec_problem(match, parameters):
    """What is wrong with one %-conversion, or None."""
    if match.group('conversion') is None:
        return 'not a %-conversion'
    if match.group('conversion') == '%':
        return None if match.group(0) == '%%' else 'not a %-conversion'
    if match.group('key') is None:
        return 'a conversion without a (parameter) name'
    for number in (match.group('width'), match.group('precision')):
        if number and (number == '*' or len(number) > MAX_WIDTH_DIGITS):
            return 'a width or precision of %s' % number[:20]
    try:
        dummy = match.group(0) % parameters
    except KeyError:
        return 'unknown template parameter %r (known: %s)' % (match.group('key'), ', '.join(sorted(parameters)) or 'none')
    except (ValueError, TypeError, OverflowError) as exc:
        return str(exc)
    return None


def _bad_spec(text, parameters):
    """(offset, conversion text, problem) of the first bad %-conversion of ``text``, or None.
    A text whose rendering would exceed MAX_RENDERED_CHARS is bad too: parameters that expand
    into each other grow at every round, and the check must come before the memory is used."""
    size = len(text)
    for match in _SPEC_RE.finditer(text):
        problem = _spec_problem(match, parameters)
        if problem:
            return match.start(), match.group(0), problem
        if match.group('key') is not None:
            size += len(str(parameters[match.group('key')])) + int(match.group('width') or 0)
        if size > MAX_RENDERED_CHARS:
            return match.start(), match.group(0), 'template parameters expand to more than %d characters' % MAX_RENDERED_CHARS
    return None


def _template_error(where, text, found, rendering_round):
    offset, spec, problem = found
    place = '%s:%d' % (where, _line_of(text, offset)) if where_is_file(where) else where
    line_start = text.rfind('\n', 0, offset) + 1
    line_end = text.find('\n', offset)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    after = ' (in the text rendered by round %d of parameter expansion)' % (rendering_round + 1) if rendering_round else ''
    if problem.startswith('unknown template parameter'):
        return RecipeError('%s: %s in %r%s' % (place, problem, line[:120], after))
    return RecipeError('%s: bad %%-format %r in %r: %s%s (write %%%% for a literal %%)'
                       % (place, spec[:40], line[:120], problem, after))


def where_is_file(where):
    """Whether ``where`` names a template file (line numbers help) rather than a YAML key."""
    return ': ' not in where


def _sentinel(text, parameters):
    """A marker found neither in ``text`` nor in the parameters, standing for a literal '%'."""
    values = ''.join(str(value) for value in parameters.values())
    marker = '\ue000'
    while marker in text or marker in values:
        marker += '\ue001'
    return marker


def render_string(text, parameters, where):
    """casa-distro's repeated %-formatting, until the text no longer changes; ``%%`` is a literal
    ``%`` that later rounds leave alone (v2 formatted it again, so a literal % never worked). A
    bad conversion is a RecipeError quoting it and naming ``where`` (and its line in a template
    file)."""
    literal = _sentinel(text, parameters)
    for rendering_round in range(ROUNDS):
        protected = text.replace('%%', literal)
        found = _bad_spec(protected, parameters)
        if found:
            raise _template_error(where, protected.replace(literal, '%'), found, rendering_round)
        try:
            rendered = protected % parameters
        except (KeyError, ValueError, TypeError, OverflowError) as exc:  # pragma: no cover - _bad_spec finds these first
            raise RecipeError('%s: bad %%-format in %r: %s (write %%%% for a literal %%)' % (where, text[:80], exc))
        stable = rendered == protected
        text = rendered
        if stable:
            break
    return text.replace(literal, '%')


def context_entries(image):
    """The build context of an ImageRecipe: its directory after .dockerignore, the recipe
    definition left out, ``*.template`` files rendered with the image's parameters."""
    return build_context.directory_entries(
        image.recipe_dir, dockerfile=image.dockerfile, leave_out=(RECIPE_FILE,),
        render=lambda text, where: render_string(text, image.template_parameters, where),
        template_suffix=TEMPLATE_SUFFIX)


def read_dockerfile(image):
    """The (rendered) Dockerfile of a recipe, without reading the rest of its context."""
    plain = os.path.join(image.recipe_dir, image.dockerfile)
    template = plain + TEMPLATE_SUFFIX
    try:
        if os.path.lexists(template):
            return render_string(read_text(template, 'Dockerfile template'), image.template_parameters, template)
        return read_text(plain, 'Dockerfile')
    except FileFormatError as exc:
        raise RecipeError('%s: cannot read the Dockerfile: %s' % (plain, exc.msg), **exc.details)
