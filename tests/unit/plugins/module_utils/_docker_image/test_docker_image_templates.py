# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._build_context import BuildContextError, dockerfile_text, needs_staging, recipe_hash, stage_context
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import RECIPE_FILE, ImageRecipe
from ansible_collections.casa.distro.plugins.module_utils._docker_image.templates import context_entries, read_dockerfile, render_string


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    if mode is not None:
        os.chmod(path, mode)


def test_render_string_repeats_until_stable():
    parameters = {'system': 'ubuntu-%(version)s', 'version': '22.04'}
    assert render_string('casa-dev:%(system)s', parameters, 'x') == 'casa-dev:ubuntu-22.04'


def test_render_string_unknown_parameter_names_it():
    with pytest.raises(RecipeError) as err:
        render_string('%(nope)s', {'known': 1}, 'Dockerfile.template')
    assert "'nope'" in str(err.value) and 'Dockerfile.template' in str(err.value)
    assert 'known' in str(err.value)


def test_render_string_bad_percent_is_explained():
    with pytest.raises(RecipeError) as err:
        render_string('date +%Y', {}, 'script.template')
    assert '%%' in str(err.value)


def make_image(tmp_path, files, dockerignore=None, parameters=None):
    base = tmp_path / 'ctx'
    for name, text in files.items():
        write(str(base / name), text)
    if dockerignore is not None:
        write(str(base / '.dockerignore'), dockerignore)
    return ImageRecipe('x', ['1'], str(base), template_parameters=parameters or {})


def test_context_entries_render_templates_and_honour_dockerignore(tmp_path):
    image = make_image(tmp_path, {
        'Dockerfile.template': 'FROM %(base)s\n',
        'keep.txt': 'k',
        'skip.log': 'ignored',
        RECIPE_FILE: 'image_sources: []',
    }, dockerignore='*.log\n', parameters={'base': 'debian:12'})
    entries = context_entries(image)
    paths = [entry.relpath for entry in entries]
    assert 'skip.log' not in paths and RECIPE_FILE not in paths
    assert 'Dockerfile' in paths and 'keep.txt' in paths
    assert dockerfile_text(entries, 'Dockerfile') == 'FROM debian:12\n'
    assert needs_staging(entries)


def test_context_without_dockerfile_is_an_error(tmp_path):
    image = make_image(tmp_path, {'only.txt': 'x'})
    with pytest.raises(BuildContextError) as err:
        context_entries(image)
    assert 'no Dockerfile' in str(err.value)


def test_stage_context_writes_rendered_files(tmp_path):
    image = make_image(tmp_path, {'Dockerfile.template': 'FROM %(b)s\n', 'a/b.txt': 'x'}, parameters={'b': 'z'})
    staged = tmp_path / 'staged'
    staged.mkdir()
    stage_context(context_entries(image), str(staged))
    assert (staged / 'Dockerfile').read_text() == 'FROM z\n'
    assert (staged / 'a' / 'b.txt').read_text() == 'x'


def test_read_dockerfile_renders_the_template(tmp_path):
    image = make_image(tmp_path, {'Dockerfile.template': 'FROM %(b)s\n'}, parameters={'b': 'base:1'})
    assert read_dockerfile(image) == 'FROM base:1\n'
    with pytest.raises(RecipeError):
        read_dockerfile(ImageRecipe('x', ['1'], str(tmp_path / 'none')))


def test_empty_directories_are_part_of_the_context(tmp_path):
    image = make_image(tmp_path, {'Dockerfile': 'FROM a\n', 'full/file.txt': 'x'})
    before = recipe_hash(context_entries(image))
    os.makedirs(str(tmp_path / 'ctx' / 'empty'))
    entries = context_entries(image)
    assert [(e.relpath, e.is_dir) for e in entries if e.is_dir] == [('empty', True)]
    assert recipe_hash(entries) != before
    staged = tmp_path / 'staged'
    staged.mkdir()
    stage_context(entries, str(staged))
    assert (staged / 'empty').is_dir() and (staged / 'full' / 'file.txt').exists()
