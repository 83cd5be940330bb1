# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _recipes as recipes


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    if mode is not None:
        os.chmod(path, mode)


def recipe(tmp_path, directory, yaml_text, dockerfile='FROM scratch\n', extra=None):
    base = tmp_path / directory
    write(str(base / recipes.RECIPE_FILE), yaml_text)
    write(str(base / 'Dockerfile'), dockerfile)
    for name, text in (extra or {}).items():
        write(str(base / name), text)
    return str(base)


def names(images):
    return [image.reference for image in images]


# ------------------------------------------------------------------ references and templates

@pytest.mark.parametrize('name', ['casa-run', 'cati/casa-dev', '127.0.0.1:5000/casa/run', 'reg.example.org/a/b_c.d'])
def test_valid_references(name):
    recipes.validate_reference(name, ['5.3', 'latest', 'ubuntu-22.04'], 'test')


@pytest.mark.parametrize('name,tags,fragment', [
    ('Casa/Run', ['x'], "invalid image name 'Casa/Run'"),
    ('casa run', ['x'], "invalid image name 'casa run'"),
    ('casa/run', ['-bad'], "invalid tag '-bad'"),
    ('casa/run', ['a' * 129], 'invalid tag'),
    ('casa/run', [], 'has no tags'),
])
def test_invalid_references_name_the_value(name, tags, fragment):
    with pytest.raises(recipes.RecipeError) as err:
        recipes.validate_reference(name, tags, 'where.yaml')
    assert fragment in str(err.value)
    assert 'where.yaml' in str(err.value)


def test_render_string_repeats_until_stable():
    parameters = {'system': 'ubuntu-%(version)s', 'version': '22.04'}
    assert recipes.render_string('casa-dev:%(system)s', parameters, 'x') == 'casa-dev:ubuntu-22.04'


def test_render_string_unknown_parameter_names_it():
    with pytest.raises(recipes.RecipeError) as err:
        recipes.render_string('%(nope)s', {'known': 1}, 'Dockerfile.template')
    assert "'nope'" in str(err.value) and 'Dockerfile.template' in str(err.value)
    assert 'known' in str(err.value)


def test_render_string_bad_percent_is_explained():
    with pytest.raises(recipes.RecipeError) as err:
        recipes.render_string('date +%Y', {}, 'script.template')
    assert '%%' in str(err.value)


# ------------------------------------------------------------------ recipe trees

def test_load_tree_v2_layout(tmp_path):
    recipe(tmp_path, 'casa-run/ubuntu-22.04', """
image_sources:
  - name: casa-run
    tags: ['%(image_version)s', latest]
    template_files_parameters: {image_version: '5.3'}
""")
    recipe(tmp_path, 'casa-dev/ubuntu-22.04', """
dependencies: [../../casa-run/ubuntu-22.04]
image_sources:
  - name: casa-dev
    tags: ['%(image_version)s']
    template_files_parameters: {image_version: '5.3'}
""")
    images = recipes.load_recipe_tree(str(tmp_path), {'casa_version': '3.0'}, 'cati/')
    assert names(images) == ['cati/casa-dev:5.3', 'cati/casa-run:latest']
    assert images[1].references == ['cati/casa-run:5.3', 'cati/casa-run:latest']
    assert images[0].depends_on == [str(tmp_path / 'casa-run' / 'ubuntu-22.04')]
    assert images[0].template_parameters == {'casa_version': '3.0', 'image_version': '5.3'}


def test_load_tree_rejects_unknown_keys_and_bad_yaml(tmp_path):
    recipe(tmp_path, 'a', 'image_sources: [{name: a}]\nbogus: 1\n')
    with pytest.raises(recipes.RecipeError) as err:
        recipes.load_recipe_tree(str(tmp_path))
    assert 'bogus' in str(err.value) and recipes.RECIPE_FILE in str(err.value)
    write(str(tmp_path / 'a' / recipes.RECIPE_FILE), 'image_sources: [unclosed\n')
    with pytest.raises(recipes.RecipeError) as err:
        recipes.load_recipe_tree(str(tmp_path))
    assert 'invalid YAML' in str(err.value)


def test_load_tree_duplicate_image_is_an_error(tmp_path):
    recipe(tmp_path, 'a', 'image_sources: [{name: same, tags: [x]}]\n')
    recipe(tmp_path, 'b', 'image_sources: [{name: same, tags: [x]}]\n')
    with pytest.raises(recipes.RecipeError) as err:
        recipes.load_recipe_tree(str(tmp_path))
    assert 'same:x' in str(err.value)


def test_load_tree_empty_is_an_error(tmp_path):
    with pytest.raises(recipes.RecipeError) as err:
        recipes.load_recipe_tree(str(tmp_path))
    assert 'no casa_distro_docker.yaml' in str(err.value)


def test_select_images_fnmatch(tmp_path):
    images = [recipes.ImageRecipe('cati/casa-run', ['5.3'], '/r'),
              recipes.ImageRecipe('cati/casa-dev', ['5.3', 'latest'], '/d')]
    assert names(recipes.select_images(images, ['cati/casa-dev:*'])) == ['cati/casa-dev:latest']
    assert names(recipes.select_images(images, ['*run'])) == ['cati/casa-run:5.3']
    assert len(recipes.select_images(images, None)) == 2
    assert recipes.select_images(images, ['nothing*']) == []


# ------------------------------------------------------------------ ordering

def test_order_declared_dependencies_parents_first(tmp_path):
    run = recipes.ImageRecipe('run', ['1'], '/run')
    dev = recipes.ImageRecipe('dev', ['1'], '/dev', depends_on=['/run'])
    app = recipes.ImageRecipe('app', ['1'], '/app', depends_on=['/dev'])
    assert names(recipes.order_images([app, dev, run])) == ['run:1', 'dev:1', 'app:1']


def test_order_from_lines_add_implicit_dependencies():
    run = recipes.ImageRecipe('reg/run', ['1'], '/run')
    tool = recipes.ImageRecipe('reg/tool', ['1'], '/tool')
    ordered = recipes.order_images([tool, run], {'reg/tool:1': ['reg/run:1'], 'reg/run:1': ['debian:bookworm']})
    assert names(ordered) == ['reg/run:1', 'reg/tool:1']


def test_order_keeps_input_order_between_independent_images():
    images = [recipes.ImageRecipe(n, ['1'], '/' + n) for n in ('b', 'a', 'c')]
    assert names(recipes.order_images(images)) == ['b:1', 'a:1', 'c:1']


def test_order_cycle_names_the_images():
    one = recipes.ImageRecipe('one', ['1'], '/one', depends_on=['/two'])
    two = recipes.ImageRecipe('two', ['1'], '/two', depends_on=['/one'])
    with pytest.raises(recipes.RecipeError) as err:
        recipes.order_images([one, two])
    assert 'dependency cycle' in str(err.value)
    assert 'one:1 -> two:1 -> one:1' in str(err.value)


def test_order_missing_dependency_names_image_and_path():
    one = recipes.ImageRecipe('one', ['1'], '/one', depends_on=['/missing'], definition_file='/one/x.yaml')
    with pytest.raises(recipes.RecipeError) as err:
        recipes.order_images([one])
    assert '/missing' in str(err.value) and 'one:1' in str(err.value)


# ------------------------------------------------------------------ Dockerfile parsing

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
    assert recipes.parse_from_lines(text, {'TAG': 'bookworm'}) == ['debian:bookworm', 'reg/run:1']


def test_parse_from_lines_continuations():
    assert recipes.parse_from_lines('FROM \\\n  alpine:3\nRUN true\n') == ['alpine:3']


@pytest.mark.parametrize('reference,expected', [
    ('debian', 'debian:latest'), ('debian:12', 'debian:12'),
    ('127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'), ('x@sha256:ab', 'x@sha256:ab'),
])
def test_normalize_base(reference, expected):
    assert recipes.normalize_base(reference) == expected


# ------------------------------------------------------------------ context and hashing

def make_image(tmp_path, files, dockerignore=None, parameters=None):
    base = tmp_path / 'ctx'
    for name, text in files.items():
        write(str(base / name), text)
    if dockerignore is not None:
        write(str(base / '.dockerignore'), dockerignore)
    return recipes.ImageRecipe('x', ['1'], str(base), template_parameters=parameters or {})


def test_context_entries_render_templates_and_honour_dockerignore(tmp_path):
    image = make_image(tmp_path, {
        'Dockerfile.template': 'FROM %(base)s\n',
        'keep.txt': 'k',
        'skip.log': 'ignored',
        recipes.RECIPE_FILE: 'image_sources: []',
    }, dockerignore='*.log\n', parameters={'base': 'debian:12'})
    entries = recipes.context_entries(image)
    paths = [entry.relpath for entry in entries]
    assert 'skip.log' not in paths and recipes.RECIPE_FILE not in paths
    assert 'Dockerfile' in paths and 'keep.txt' in paths
    assert recipes.dockerfile_text(entries, 'Dockerfile') == 'FROM debian:12\n'
    assert recipes.needs_staging(entries)


def test_context_without_dockerfile_is_an_error(tmp_path):
    image = make_image(tmp_path, {'only.txt': 'x'})
    with pytest.raises(recipes.RecipeError) as err:
        recipes.context_entries(image)
    assert 'no Dockerfile' in str(err.value)


def test_recipe_hash_changes_with_each_input(tmp_path):
    image = make_image(tmp_path, {'Dockerfile': 'FROM a\n', 'data.bin': 'abc'})
    base = recipes.recipe_hash(recipes.context_entries(image), parent_ids=['sha256:1'])
    assert base == recipes.recipe_hash(recipes.context_entries(image), parent_ids=['sha256:1'])
    variants = [
        recipes.recipe_hash(recipes.context_entries(image), parent_ids=['sha256:2']),
        recipes.recipe_hash(recipes.context_entries(image), build_args={'A': '1'}, parent_ids=['sha256:1']),
        recipes.recipe_hash(recipes.context_entries(image), labels={'l': 'v'}, parent_ids=['sha256:1']),
        recipes.recipe_hash(recipes.context_entries(image), target='t', parent_ids=['sha256:1']),
    ]
    assert len(set(variants + [base])) == 5
    write(str(tmp_path / 'ctx' / 'data.bin'), 'abd')  # one byte changed
    assert recipes.recipe_hash(recipes.context_entries(image), parent_ids=['sha256:1']) != base
    write(str(tmp_path / 'ctx' / 'data.bin'), 'abd', mode=0o755)  # executable bit
    assert recipes.recipe_hash(recipes.context_entries(image), parent_ids=['sha256:1']) not in (base,)


def test_recipe_hash_ignores_dockerignored_files(tmp_path):
    image = make_image(tmp_path, {'Dockerfile': 'FROM a\n', 'notes.md': 'x'}, dockerignore='*.md\n')
    before = recipes.recipe_hash(recipes.context_entries(image))
    write(str(tmp_path / 'ctx' / 'notes.md'), 'changed')
    assert recipes.recipe_hash(recipes.context_entries(image)) == before


def test_digest_cache_reuses_and_detects_changes(tmp_path):
    data = tmp_path / 'f'
    data.write_bytes(b'one')
    cache_file = str(tmp_path / 'cache' / 'c.json')
    cache = recipes.FileDigestCache(cache_file)
    first = cache.digest(str(data))
    cache.save()
    reloaded = recipes.FileDigestCache(cache_file)
    assert reloaded.entries and reloaded.digest(str(data)) == first and not reloaded.dirty
    data.write_bytes(b'two')
    assert reloaded.digest(str(data)) != first


def test_digest_cache_survives_a_damaged_file(tmp_path):
    cache_file = tmp_path / 'c.json'
    cache_file.write_text('{not json')
    assert recipes.FileDigestCache(str(cache_file)).entries == {}


def test_stage_context_writes_rendered_files(tmp_path):
    image = make_image(tmp_path, {'Dockerfile.template': 'FROM %(b)s\n', 'a/b.txt': 'x'}, parameters={'b': 'z'})
    staged = tmp_path / 'staged'
    staged.mkdir()
    recipes.stage_context(recipes.context_entries(image), str(staged))
    assert (staged / 'Dockerfile').read_text() == 'FROM z\n'
    assert (staged / 'a' / 'b.txt').read_text() == 'x'


def test_order_dependency_outside_the_selection_adds_no_edge():
    dev = recipes.ImageRecipe('dev', ['1'], '/dev', depends_on=['/run'])
    assert names(recipes.order_images([dev], unselected_dirs={'/run'})) == ['dev:1']
    with pytest.raises(recipes.RecipeError):
        recipes.order_images([dev], unselected_dirs={'/elsewhere'})


def test_read_dockerfile_renders_the_template(tmp_path):
    image = make_image(tmp_path, {'Dockerfile.template': 'FROM %(b)s\n'}, parameters={'b': 'base:1'})
    assert recipes.read_dockerfile(image) == 'FROM base:1\n'
    with pytest.raises(recipes.RecipeError):
        recipes.read_dockerfile(recipes.ImageRecipe('x', ['1'], str(tmp_path / 'none')))


def test_empty_directories_are_part_of_the_context(tmp_path):
    image = make_image(tmp_path, {'Dockerfile': 'FROM a\n', 'full/file.txt': 'x'})
    before = recipes.recipe_hash(recipes.context_entries(image))
    os.makedirs(str(tmp_path / 'ctx' / 'empty'))
    entries = recipes.context_entries(image)
    assert [(e.relpath, e.is_dir) for e in entries if e.is_dir] == [('empty', True)]
    assert recipes.recipe_hash(entries) != before
    staged = tmp_path / 'staged'
    staged.mkdir()
    recipes.stage_context(entries, str(staged))
    assert (staged / 'empty').is_dir() and (staged / 'full' / 'file.txt').exists()
