# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Image recipes: definitions, templates, dependency order and recipe hashes.

Pure logic, no Docker: importable and tested without a daemon.

A recipe is a directory with a Dockerfile and its build context. casa-distro v2 recipe trees
are read as they are: every directory holding ``casa_distro_docker.yaml`` is a recipe; its
``image_sources`` give the images built from it and its ``dependencies`` name other recipe
directories; files named ``*.template`` are rendered with Python %-formatting (as casa-distro
did) into the staged build context.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat

from ansible_collections.casa.distro.plugins.module_utils._files import atomic_write, file_sha256

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover
    HAS_YAML = False

try:
    from docker.utils.build import exclude_paths
    HAS_DOCKER_BUILD_UTILS = True
except ImportError:  # pragma: no cover
    HAS_DOCKER_BUILD_UTILS = False


RECIPE_FILE = 'casa_distro_docker.yaml'
TEMPLATE_SUFFIX = '.template'
HASH_LABEL = 'io.casa-distro.recipe-hash'
NAME_LABEL = 'io.casa-distro.image'
HASH_SCHEME = 'casa-distro-recipe-v1'

# Docker's reference grammar (distribution/reference), written out because the SDK only splits
# references and never validates them; a bad name must fail before a build starts.
_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
_DOMAIN = r'(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?'
REPOSITORY_RE = re.compile(r'^(?:%s/)?%s(?:/%s)*$' % (_DOMAIN, _COMPONENT, _COMPONENT))
TAG_RE = re.compile(r'^[\w][\w.-]{0,127}$')


class RecipeError(Exception):
    """A recipe, template or image selection is wrong; the message names the file and key."""


class ImageRecipe:
    """One image to build: a repository name, its tags and the recipe directory it comes from."""

    def __init__(self, name, tags, recipe_dir, dockerfile='Dockerfile', template_parameters=None,
                 depends_on=None, definition_file=None):
        self.name = name
        self.tags = list(tags)
        self.recipe_dir = recipe_dir
        self.dockerfile = dockerfile
        self.template_parameters = dict(template_parameters or {})
        self.depends_on = list(depends_on or [])  # recipe directories (absolute)
        self.definition_file = definition_file

    @property
    def reference(self):
        """The name:tag that builds are tagged with (the last tag, as casa-distro did)."""
        return '%s:%s' % (self.name, self.tags[-1])

    @property
    def references(self):
        return ['%s:%s' % (self.name, tag) for tag in self.tags]

    def __repr__(self):
        return 'ImageRecipe(%r)' % self.reference


def validate_reference(name, tags, where):
    """Fail with a clear message on a name or tag Docker would refuse."""
    if not name or not REPOSITORY_RE.match(name) or len(name) > 255:
        raise RecipeError(
            '%s: invalid image name %r: Docker wants lowercase path components of letters, '
            'digits and separators (. _ __ -), optionally after a registry host[:port]/'
            % (where, name))
    if not tags:
        raise RecipeError('%s: image %s has no tags' % (where, name))
    for tag in tags:
        if not isinstance(tag, str) or not TAG_RE.match(tag):
            raise RecipeError(
                '%s: invalid tag %r for image %s: a tag is 1 to 128 letters, digits, _ . or -, '
                'not starting with . or -' % (where, tag, name))


def render_string(text, parameters, where):
    """casa-distro's repeated %-formatting, until the text no longer changes."""
    for dummy_round in range(10):
        try:
            rendered = text % parameters
        except KeyError as exc:
            raise RecipeError('%s: unknown template parameter %s (known: %s)'
                              % (where, exc, ', '.join(sorted(parameters)) or 'none'))
        except (ValueError, TypeError) as exc:
            raise RecipeError('%s: bad %%-format in %r: %s (write %%%% for a literal %%)'
                              % (where, text[:80], exc))
        if rendered == text:
            return rendered
        text = rendered
    return text


def load_recipe_tree(root, template_parameters=None, name_prefix=''):
    """Read every casa_distro_docker.yaml under ``root``. Returns a list of ImageRecipe."""
    if not HAS_YAML:
        raise RecipeError('PyYAML is required to read %s files' % RECIPE_FILE)
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise RecipeError('recipes: %s is not a directory' % root)
    images = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if RECIPE_FILE in filenames:
            images.extend(_load_recipe_file(os.path.join(dirpath, RECIPE_FILE),
                                            template_parameters or {}, name_prefix))
    if not images:
        raise RecipeError('recipes: no %s found under %s' % (RECIPE_FILE, root))
    seen = {}
    for image in images:
        for reference in image.references:
            if reference in seen:
                raise RecipeError('%s and %s both define image %s'
                                  % (seen[reference], image.definition_file, reference))
            seen[reference] = image.definition_file
    return images


def _load_recipe_file(path, template_parameters, name_prefix):
    recipe_dir = os.path.dirname(path)
    try:
        with open(path) as handle:
            definition = yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        raise RecipeError('%s: invalid YAML: %s' % (path, exc))
    except OSError as exc:
        raise RecipeError('%s: cannot read: %s' % (path, exc))
    if not isinstance(definition, dict):
        raise RecipeError('%s: expected a mapping with image_sources, got %s'
                          % (path, type(definition).__name__))
    unknown = set(definition) - {'dependencies', 'image_sources'}
    if unknown:
        raise RecipeError('%s: unknown key(s) %s (known: dependencies, image_sources)'
                          % (path, ', '.join(sorted(unknown))))
    dependencies = definition.get('dependencies') or []
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise RecipeError('%s: dependencies must be a list of relative directory paths' % path)
    depends_on = [os.path.normpath(os.path.join(recipe_dir, d)) for d in dependencies]
    sources = definition.get('image_sources')
    if not isinstance(sources, list) or not sources:
        raise RecipeError('%s: image_sources must be a non-empty list' % path)
    images = []
    for index, source in enumerate(sources):
        where = '%s: image_sources[%d]' % (path, index)
        if not isinstance(source, dict) or 'name' not in source:
            raise RecipeError('%s: each image source needs a name' % where)
        source_parameters = source.get('template_files_parameters') or {}
        if not isinstance(source_parameters, dict):
            raise RecipeError('%s: template_files_parameters must be a mapping' % where)
        parameters = dict(template_parameters)
        parameters.update(source_parameters)
        tags = source.get('tags') or ['latest']
        if not isinstance(tags, list):
            raise RecipeError('%s: tags must be a list' % where)
        name = name_prefix + render_string(str(source['name']), parameters, where + '.name')
        tags = [render_string(str(tag), parameters, where + '.tags') for tag in tags]
        validate_reference(name, tags, where)
        images.append(ImageRecipe(name, tags, recipe_dir, template_parameters=parameters,
                                  depends_on=depends_on, definition_file=path))
    return images


def select_images(images, patterns):
    """Keep the images whose name or name:tag matches one of the fnmatch patterns."""
    patterns = list(patterns or ['*'])
    selected = []
    for image in images:
        candidates = [image.name] + image.references
        if any(fnmatch.fnmatchcase(candidate, pattern)
               for candidate in candidates for pattern in patterns):
            selected.append(image)
    return selected


def parse_from_lines(dockerfile_text, build_args=None):
    """The base images named by FROM lines, with ARG defaults and build args substituted.

    Stage names (FROM x AS stage, then FROM stage) and ``scratch`` are left out.
    """
    args = {}
    build_args = dict(build_args or {})
    stages = set()
    bases = []
    for raw in _logical_lines(dockerfile_text):
        parts = raw.split()
        if not parts:
            continue
        instruction = parts[0].upper()
        if instruction == 'ARG' and len(parts) >= 2 and not bases:
            key, dummy_sep, default = parts[1].partition('=')
            args[key] = build_args.get(key, default.strip('"\''))
        elif instruction == 'FROM' and len(parts) >= 2:
            words = [w for w in parts[1:] if not w.startswith('--')]
            if not words:
                continue
            image = re.sub(r'\$\{?(\w+)\}?', lambda m: args.get(m.group(1), ''), words[0])
            if len(words) >= 3 and words[1].upper() == 'AS':
                stages.add(words[2].lower())
            if image.lower() != 'scratch' and image.lower() not in stages:
                bases.append(image)
    return bases


def _logical_lines(text):
    """Dockerfile lines with continuations joined and comments dropped."""
    current = ''
    for line in text.splitlines():
        stripped = line.strip()
        if not current and stripped.startswith('#'):
            continue
        if stripped.endswith('\\'):
            current += stripped[:-1] + ' '
            continue
        current += stripped
        yield current
        current = ''
    if current:
        yield current


def normalize_base(reference):
    """FROM names as the daemon names them: ``debian`` means ``debian:latest``."""
    if '@' in reference:
        return reference
    last = reference.rsplit('/', 1)[-1]
    return reference if ':' in last else reference + ':latest'


def order_images(images, bases=None, unselected_dirs=()):
    """Parents first. Edges come from declared dependencies and from FROM lines (``bases`` maps
    an image's reference to the base images its Dockerfile names) that name an image of the
    same family. A dependency on a recipe left out by the selection (``unselected_dirs``) adds
    no edge: its image must already exist. A cycle or a dependency that is no recipe directory
    is a RecipeError naming the images.
    """
    bases = bases or {}
    by_dir = {}
    by_reference = {}
    for image in images:
        by_dir.setdefault(image.recipe_dir, []).append(image)
        for reference in image.references:
            by_reference[reference] = image
    parents = {}
    for image in images:
        edges = []
        for directory in image.depends_on:
            if directory not in by_dir and directory in unselected_dirs:
                continue
            if directory not in by_dir:
                raise RecipeError(
                    '%s: dependency %s is not a recipe directory (no %s there); image %s '
                    'cannot be ordered' % (image.definition_file or image.recipe_dir,
                                           directory, RECIPE_FILE, image.reference))
            edges.extend(by_dir[directory])
        for base in bases.get(image.reference, ()):
            parent = by_reference.get(normalize_base(base))
            if parent is not None and parent is not image:
                edges.append(parent)
        parents[id(image)] = [p for p in edges if p is not image]

    ordered = []
    state = {}
    position = {id(image): index for index, image in enumerate(images)}

    def visit(image, path):
        key = id(image)
        if state.get(key) == 'done':
            return
        if state.get(key) == 'visiting':
            cycle = path[path.index(image):] + [image]
            raise RecipeError('dependency cycle between images: %s'
                              % ' -> '.join(i.reference for i in cycle))
        state[key] = 'visiting'
        for parent in sorted(parents[key], key=lambda p: position[id(p)]):
            visit(parent, path + [image])
        state[key] = 'done'
        ordered.append(image)

    for image in images:
        visit(image, [])
    return ordered


# ---------------------------------------------------------------------------- build context

class ContextEntry:
    """A file of the build context: where it comes from and, for templates, its rendering."""

    __slots__ = ('relpath', 'source', 'rendered', 'mode', 'is_dir')

    def __init__(self, relpath, source, rendered=None, mode=0o644, is_dir=False):
        self.relpath = relpath
        self.source = source
        self.rendered = rendered
        self.mode = mode
        self.is_dir = is_dir


def context_entries(image):
    """The files of an image's build context, after .dockerignore and template rendering.

    The recipe definition file is left out; ``*.template`` files are rendered and lose the
    suffix (a rendered file replaces a plain file of the same name).
    """
    recipe_dir = image.recipe_dir
    if not os.path.isdir(recipe_dir):
        raise RecipeError('recipe directory %s does not exist' % recipe_dir)
    patterns = _dockerignore_patterns(recipe_dir)
    if HAS_DOCKER_BUILD_UTILS:
        included = sorted(exclude_paths(recipe_dir, patterns, dockerfile=image.dockerfile))
    else:  # pragma: no cover
        raise RecipeError('the Docker SDK for Python (docker) is required to read build contexts')
    entries = {}
    for relpath in included:
        source = os.path.join(recipe_dir, relpath)
        if os.path.basename(relpath) == RECIPE_FILE and os.path.dirname(relpath) == '':
            continue
        try:
            info = os.lstat(source)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            # Directories count too: an empty one is created by COPY.
            entries.setdefault(relpath + '/', ContextEntry(relpath, source, None, stat.S_IMODE(info.st_mode), True))
            continue
        if relpath.endswith(TEMPLATE_SUFFIX):
            target = relpath[:-len(TEMPLATE_SUFFIX)]
            try:
                with open(source, encoding='utf-8') as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise RecipeError('%s: cannot read template: %s' % (source, exc))
            rendered = render_string(text, image.template_parameters, source).encode('utf-8')
            entries[target] = ContextEntry(target, source, rendered, stat.S_IMODE(info.st_mode))
        elif relpath not in entries:
            entries[relpath] = ContextEntry(relpath, source, None, stat.S_IMODE(info.st_mode))
    # Only empty directories need an entry of their own; the others come with their files.
    parents = {os.path.dirname(entry.relpath) for entry in entries.values()}
    entries = {key: entry for key, entry in entries.items() if not entry.is_dir or entry.relpath not in parents}
    if image.dockerfile not in entries:
        raise RecipeError('%s: no %s (nor %s%s) in the recipe directory'
                          % (recipe_dir, image.dockerfile, image.dockerfile, TEMPLATE_SUFFIX))
    return [entries[key] for key in sorted(entries)]


def needs_staging(entries):
    """Whether the context must be staged: templates to render, or the definition to drop."""
    return any(entry.rendered is not None for entry in entries)


def _dockerignore_patterns(directory):
    path = os.path.join(directory, '.dockerignore')
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [line.strip() for line in handle
                if line.strip() and not line.strip().startswith('#')]


def read_dockerfile(image):
    """The (rendered) Dockerfile of a recipe, without reading the rest of its context."""
    plain = os.path.join(image.recipe_dir, image.dockerfile)
    template = plain + TEMPLATE_SUFFIX
    try:
        if os.path.exists(template):
            with open(template, encoding='utf-8') as handle:
                return render_string(handle.read(), image.template_parameters, template)
        with open(plain, encoding='utf-8') as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError('%s: cannot read the Dockerfile: %s' % (plain, exc))


def dockerfile_text(entries, dockerfile):
    for entry in entries:
        if entry.relpath == dockerfile:
            if entry.rendered is not None:
                return entry.rendered.decode('utf-8')
            with open(entry.source, encoding='utf-8', errors='replace') as handle:
                return handle.read()
    raise RecipeError('no %s in the build context' % dockerfile)


def stage_context(entries, destination):
    """Write the build context into ``destination``: hard links where possible, else copies."""
    for entry in entries:
        target = os.path.join(destination, entry.relpath)
        if entry.is_dir:
            os.makedirs(target, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if entry.rendered is not None:
            with open(target, 'wb') as handle:
                handle.write(entry.rendered)
            os.chmod(target, entry.mode)
        elif os.path.islink(entry.source):
            os.symlink(os.readlink(entry.source), target)
        else:
            try:
                os.link(entry.source, target)
            except OSError:
                shutil.copy2(entry.source, target)


class FileDigestCache:
    """Content digests of files, reused while a file's size, mtime, ctime and inode are unchanged.

    git decides a file is unchanged the same way; it makes a no-op run on a large context cost
    a stat per file instead of reading every byte. Saved atomically as JSON.
    """

    def __init__(self, path=None):
        self.path = path
        self.entries = {}
        self.dirty = False
        if path and os.path.exists(path):
            try:
                with open(path) as handle:
                    data = json.load(handle)
                if data.get('scheme') == HASH_SCHEME:
                    self.entries = data.get('files', {})
            except (OSError, ValueError):
                self.entries = {}  # a damaged cache only costs a re-read

    def digest(self, path):
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return hashlib.sha256(('symlink:' + os.readlink(path)).encode()).hexdigest()
        key = os.path.abspath(path)
        fingerprint = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        cached = self.entries.get(key)
        if cached and cached[0] == fingerprint:
            return cached[1]
        digest = file_sha256(path)
        self.entries[key] = [fingerprint, digest]
        self.dirty = True
        return digest

    def save(self):
        if not (self.path and self.dirty):
            return
        try:
            atomic_write(self.path, json.dumps({'scheme': HASH_SCHEME, 'files': self.entries}))
        except OSError:
            pass  # the cache is an optimisation; a read-only home must not fail a build


def recipe_hash(entries, build_args=None, labels=None, target=None, parent_ids=None,
                digest_cache=None):
    """The hash of everything a build depends on.

    Covers the context files (path, executable bit, content), the rendered templates and
    Dockerfile, the build args, labels and target, and the image IDs of the parents, so a
    rebuilt parent rebuilds its children.
    """
    cache = digest_cache or FileDigestCache()
    digest = hashlib.sha256(HASH_SCHEME.encode())
    for entry in entries:
        if entry.is_dir:
            digest.update(('dir\0%s\n' % entry.relpath).encode())
            continue
        if entry.rendered is not None:
            content = hashlib.sha256(entry.rendered).hexdigest()
        else:
            content = cache.digest(entry.source)
        executable = 'x' if entry.mode & 0o111 else '-'
        digest.update(('file\0%s\0%s\0%s\n' % (entry.relpath, executable, content)).encode())
    settings = {
        'build_args': {str(k): str(v) for k, v in sorted((build_args or {}).items())},
        'labels': {str(k): str(v) for k, v in sorted((labels or {}).items())},
        'target': target or '',
        'parents': list(parent_ids or []),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return 'sha256:' + digest.hexdigest()
