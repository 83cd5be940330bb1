# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Subuser repositories: reading, validating, building and publishing image sources.

Private to the collection: no stability promise. The format is subuser's
(docs/subuser-standard: repositories, image-source identifiers, permissions.json); the known
quirks of subuser 0.6.2 are fixed rather than copied:

- git repositories are read from git objects at a pinned commit, never checked out; the default
  branch is asked from the remote, not assumed to be ``master``; tags and commits pin as well
  as branches;
- ``subuser-version-constraints`` compare versions numerically (``0.10`` > ``0.6``);
- discovery is a real path check (``<dir>/<name>/permissions.json`` must exist);
- ``FROM-SUBUSER-IMAGE`` is parsed tolerantly (spacing, tabs, CRLF, case), cycles are detected
  and named;
- paths in ``.subuser.json`` that leave the repository are refused;
- bad JSON is reported with its file, line and column, per image source;
- builds use the layer cache unless told not to, and an image is rebuilt when, and only when,
  its build context, image file or parent image changed.

The pure logic (parsing, constraints, identifiers, graph) needs neither Docker nor git; the
git side uses GitPython, the Docker side the collection's DockerClient.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils._files import write_if_changed

try:
    import git as gitpython
    HAS_GITPYTHON = True
    GITPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module through missing_required_lib
    gitpython = None
    HAS_GITPYTHON = False
    GITPYTHON_IMPORT_ERROR = exc

try:
    from docker.utils.build import PatternMatcher
    HAS_DOCKER_PATTERNS = True
except ImportError:  # pragma: no cover - only builds need it, and they need docker anyway
    PatternMatcher = None
    HAS_DOCKER_PATTERNS = False

from ansible_collections.casa.distro.plugins.module_utils import _permissions as permissions_mod

SUBUSER_JSON = '.subuser.json'
PERMISSIONS_JSON = 'permissions.json'
IMAGE_DIR = 'image'
DEPRECATED_IMAGE_DIR = 'docker-image'
IMAGE_FILE_NAMES = ('Dockerfile', 'SubuserImagefile')  # Dockerfile wins when both exist
DEFAULT_REPOSITORY = 'default'
DEFAULT_REPOSITORY_URL = 'https://github.com/subuser-security/subuser-default-repository.git'
DEFAULT_SUBUSER_VERSION = '0.6.2'
OPERATORS = ('<', '<=', '==', '>=', '>')
HASH_SCHEME = 'casa-distro-subuser-v1'

LABEL_PREFIX = 'io.casa-distro.subuser.'
LABEL_SOURCE = LABEL_PREFIX + 'source'
LABEL_REPOSITORY = LABEL_PREFIX + 'repository'
LABEL_COMMIT = LABEL_PREFIX + 'commit'
LABEL_REF = LABEL_PREFIX + 'ref'
LABEL_BUILD_HASH = LABEL_PREFIX + 'build-hash'
LABEL_CONTEXT_HASH = LABEL_PREFIX + 'context-hash'
LABEL_PARENT = LABEL_PREFIX + 'parent'

_FROM_SUBUSER_RE = re.compile(r'^\s*FROM-SUBUSER-IMAGE(?:[ \t]+(.*?))?\s*$', re.IGNORECASE)
_FROM_SUBUSER_PREFIX_RE = re.compile(r'^\s*FROM-SUBUSER-IMAGE', re.IGNORECASE)
_VERSION_RE = re.compile(r'^\s*v?(\d+(?:\.\d+)*)(.*?)\s*$')
_PRERELEASE_RE = re.compile(r'^[-._]?(alpha|beta|preview|pre|rc|dev|a|b|c)(?![a-z])', re.IGNORECASE)
_SLUG_RE = re.compile(r'[^a-z0-9._-]+')
MAX_SYMLINKS = 40


class SubuserError(Exception):
    """Something about a repository or image source is wrong; ``details`` go into the result."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


# ---------------------------------------------------------------------------- JSON

def load_json(data, where):
    """Parse JSON bytes or text; a SubuserError names the file, line and column on failure."""
    if isinstance(data, bytes):
        try:
            data = data.decode('utf-8-sig')
        except UnicodeDecodeError as exc:
            raise SubuserError('%s: not UTF-8 text (byte %d): %s' % (where, exc.start, exc.reason))
    try:
        return json.loads(data)
    except ValueError as exc:
        line = getattr(exc, 'lineno', None)
        column = getattr(exc, 'colno', None)
        message = getattr(exc, 'msg', str(exc))
        if line is not None:
            raise SubuserError('%s:%s:%s: invalid JSON: %s' % (where, line, column, message),
                               file=where, line=line, column=column)
        raise SubuserError('%s: invalid JSON: %s' % (where, message), file=where)


# ---------------------------------------------------------------------------- versions

def parse_version(text, where='version'):
    """A comparable key for a version string: numeric release parts, then pre-release or not.

    ``0.6`` == ``0.6.0`` < ``0.6.2`` < ``0.10``; as in PEP 440, a pre-release or development
    suffix (``0.7rc1``, ``0.7-beta``, ``0.7-dev-<hash>``) sorts before the release; other
    suffixes are ignored.
    """
    if not isinstance(text, str):
        raise SubuserError('%s: version %r is not a string' % (where, text))
    match = _VERSION_RE.match(text)
    if not match:
        raise SubuserError('%s: %r is not a version (expected numbers separated by dots, '
                           'like 0.6.2)' % (where, text))
    parts = [int(part) for part in match.group(1).split('.')]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    suffix = match.group(2)
    final = 0 if suffix and _PRERELEASE_RE.match(suffix) else 1
    return (tuple(parts), final)


def compare_versions(left, operator, right, where='version'):
    a = parse_version(left, where)
    b = parse_version(right, where)
    if operator == '<':
        return a < b
    if operator == '<=':
        return a <= b
    if operator == '==':
        return a == b
    if operator == '>=':
        return a >= b
    if operator == '>':
        return a > b
    raise SubuserError('%s: "%s" is not a valid operator (valid: %s)'
                       % (where, operator, ', '.join(OPERATORS)))


def validate_constraints(constraints, where):
    """Check the shape of subuser-version-constraints; returns it as a list of 3-tuples."""
    if not isinstance(constraints, list):
        raise SubuserError('%s: "subuser-version-constraints" must be a list of '
                           '[operator, version, ref] lists, not %s' % (where, _show(constraints)))
    checked = []
    for index, entry in enumerate(constraints):
        at = '%s: subuser-version-constraints[%d]' % (where, index)
        if not isinstance(entry, list) or len(entry) != 3 or not all(isinstance(x, str) for x in entry):
            raise SubuserError('%s is %s; expected a list of three strings [operator, version, '
                               'branch, tag or commit], e.g. [">=", "0.6", "subuser-0.6"]'
                               % (at, _show(entry)))
        operator, version, ref = entry
        if operator not in OPERATORS:
            raise SubuserError('%s: "%s" is not a valid operator (valid: %s)'
                               % (at, operator, ', '.join(OPERATORS)))
        parse_version(version, at)
        if not ref.strip():
            raise SubuserError('%s: empty ref' % at)
        checked.append((operator, version, ref))
    return checked


def select_constraint(constraints, subuser_version, where):
    """The ref of the first constraint the version satisfies: (ref, index, entry).

    No match is an error, as in subuser (it never falls back silently).
    """
    checked = validate_constraints(constraints, where)
    for index, (operator, version, ref) in enumerate(checked):
        if compare_versions(subuser_version, operator, version, where):
            return ref, index, [operator, version, ref]
    raise SubuserError('%s: no subuser-version-constraints entry matches subuser version %s '
                       '(entries: %s)' % (where, subuser_version, _show(constraints)),
                       subuser_version=subuser_version)


# ---------------------------------------------------------------------------- identifiers

class Identifier:
    """An image source identifier ``name[@repository]``.

    ``kind`` is ``context`` (no repository: the one of the referring image source), ``named``
    (a repository name such as ``default``), ``git`` (a URL) or ``local`` (a directory).
    """

    __slots__ = ('text', 'name', 'repository', 'kind')

    def __init__(self, text, name, repository, kind):
        self.text = text
        self.name = name
        self.repository = repository
        self.kind = kind

    def __repr__(self):
        return 'Identifier(%r)' % self.text


def parse_identifier(text, in_image_file=False, where='identifier'):
    """Split an identifier at its first ``@`` and classify its repository part.

    ``in_image_file`` applies the FROM-SUBUSER-IMAGE restrictions of subuser: only a bare
    name, ``name@default`` and ``name@http(s)://...`` are allowed there.
    """
    if not isinstance(text, str) or not text.strip():
        raise SubuserError('%s: empty image source identifier' % where)
    text = text.strip()
    name, sep, repository = text.partition('@')
    name = name.strip()
    if not name:
        raise SubuserError('%s: "%s" has no image source name before "@"' % (where, text))
    if not sep:
        return Identifier(text, name, None, 'context')
    repository = repository.strip()
    if not repository:
        raise SubuserError('%s: "%s" has no repository after "@"' % (where, text))
    if repository == './' or repository.startswith('/') or repository.startswith('./'):
        kind = 'local'
    elif repository.startswith('file://'):
        kind = 'local-git'
    elif repository.startswith('https://') or repository.startswith('http://'):
        kind = 'git'
    elif ':' not in repository and '/' not in repository:
        kind = 'named'
    else:
        raise SubuserError(
            '%s: cannot resolve repository "%s" in "%s": use a repository name, an http(s) URL, '
            'an absolute path or a file:// URL (map other URLs, e.g. ssh, through the '
            '"repositories" option)' % (where, repository, text))
    if in_image_file:
        if kind in ('local', 'local-git'):
            raise SubuserError(
                '%s: "%s": referring to local repositories is forbidden in FROM-SUBUSER-IMAGE '
                '(use name, name@default or name@https://...)' % (where, text))
        if kind == 'named' and repository != DEFAULT_REPOSITORY:
            raise SubuserError(
                '%s: "%s": referring to repositories by name is forbidden in FROM-SUBUSER-IMAGE, '
                'except "default" (use name, name@default or name@https://...)' % (where, text))
    return Identifier(text, name, repository, 'git' if kind == 'local-git' else kind)


def normalize_url(url):
    """The identity of a repository URL or path: trailing slashes do not make another repository."""
    url = url.strip()
    if '://' not in url and url.startswith('/'):
        return os.path.normpath(url)
    return url.rstrip('/') or url


# ---------------------------------------------------------------------------- image files

def parse_image_file(text, where):
    """The FROM-SUBUSER-IMAGE argument of a SubuserImagefile: (argument or None, 1-based line).

    Tolerant of spacing, tabs, CRLF line ends, a byte-order mark and letter case. A directive
    without argument, or more than one directive, is an error.
    """
    found = None
    for number, line in enumerate(text.lstrip('\ufeff').splitlines(), 1):
        if not _FROM_SUBUSER_PREFIX_RE.match(line):
            continue
        match = _FROM_SUBUSER_RE.match(line)
        if not match:  # e.g. FROM-SUBUSER-IMAGEfoo
            raise SubuserError('%s:%d: cannot parse %r: expected FROM-SUBUSER-IMAGE <identifier>'
                               % (where, number, line.strip()))
        argument = (match.group(1) or '').strip()
        if not argument:
            raise SubuserError('%s:%d: FROM-SUBUSER-IMAGE needs an image source identifier'
                               % (where, number))
        if len(argument.split()) > 1:
            raise SubuserError('%s:%d: FROM-SUBUSER-IMAGE takes one identifier, got %r'
                               % (where, number, argument))
        if found is not None:
            raise SubuserError('%s:%d: a second FROM-SUBUSER-IMAGE (the first is on line %d); '
                               'an image source has one parent' % (where, number, found[1]))
        found = (argument, number)
    return found or (None, None)


def render_image_file(text, parent_image_id):
    """The Dockerfile sent to Docker: FROM-SUBUSER-IMAGE becomes ``FROM <parent image ID>``."""
    lines = []
    for line in text.lstrip('\ufeff').splitlines():
        if _FROM_SUBUSER_PREFIX_RE.match(line):
            lines.append('FROM %s' % parent_image_id)
        else:
            lines.append(line)
    return '\n'.join(lines) + '\n'


# ---------------------------------------------------------------------------- paths and trees

def check_relative_path(path, where):
    """Normalise a repository-relative path; refuse absolute paths and paths leaving the root."""
    if not isinstance(path, str) or path == '' or '\0' in path:
        raise SubuserError('%s: expected a relative path, got %s' % (where, _show(path)))
    if path.startswith('/') or re.match(r'^[A-Za-z]:[\\/]', path):
        raise SubuserError('%s: "%s" is an absolute path; paths are relative to the repository '
                           'root' % (where, path))
    normalized = posixpath.normpath(path)
    if normalized == '..' or normalized.startswith('../'):
        raise SubuserError('%s: "%s" leaves the repository' % (where, path))
    return '' if normalized == '.' else normalized


def _join(*parts):
    return posixpath.join(*[p for p in parts if p]) if any(parts) else ''


def git_blob_id(data):
    """git's object ID of a blob with this content, so that local and git trees hash alike."""
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


class FileEntry:
    """A file of a build context: relative path, kind (file, executable, symlink), blob ID."""

    __slots__ = ('relpath', 'kind', 'blob_id', '_reader')

    def __init__(self, relpath, kind, blob_id, reader):
        self.relpath = relpath
        self.kind = kind
        self.blob_id = blob_id
        self._reader = reader

    def read(self):
        return self._reader()


class LocalTree:
    """A repository read from a directory (uncommitted edits are visible)."""

    kind = 'local'

    def __init__(self, root):
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise SubuserError('repository directory %s does not exist' % root)

    def _real(self, relpath, where):
        relpath = check_relative_path(relpath or '.', where)
        full = os.path.join(self.root, relpath) if relpath else self.root
        real = os.path.realpath(full)
        if real != self.root and not real.startswith(self.root + os.sep):
            raise SubuserError('%s: "%s" is a symlink pointing outside the repository' % (where, relpath))
        return real

    def isdir(self, relpath, where='path'):
        return os.path.isdir(self._real(relpath, where))

    def isfile(self, relpath, where='path'):
        return os.path.isfile(self._real(relpath, where))

    def read(self, relpath, where='path'):
        path = self._real(relpath, where)
        try:
            with open(path, 'rb') as handle:
                return handle.read()
        except OSError as exc:
            raise SubuserError('%s: cannot read %s: %s' % (where, relpath, exc.strerror or exc))

    def subdirs(self, relpath, where='path'):
        path = self._real(relpath, where)
        try:
            with os.scandir(path) as entries:
                return sorted(entry.name for entry in entries
                              if entry.name != '.git' and entry.is_dir(follow_symlinks=True))
        except OSError as exc:
            raise SubuserError('%s: cannot list %s: %s' % (where, relpath or '.', exc.strerror or exc))

    def files(self, relpath, where='build context'):
        """Every file under a directory (symlinks as links), sorted, without .git."""
        top = self._real(relpath, where)
        entries = []
        stack = [('', top)]
        while stack:
            prefix, directory = stack.pop()
            with os.scandir(directory) as listing:
                for item in listing:
                    if item.name == '.git':
                        continue
                    rel = _join(prefix, item.name)
                    if item.is_symlink():
                        target = os.readlink(item.path).encode()
                        entries.append(FileEntry(rel, 'symlink', git_blob_id(target), lambda t=target: t))
                    elif item.is_dir():
                        stack.append((rel, item.path))
                    elif item.is_file():
                        data = _read_file(item.path)
                        kind = 'executable' if item.stat().st_mode & 0o111 else 'file'
                        entries.append(FileEntry(rel, kind, git_blob_id(data),
                                                 lambda p=item.path: _read_file(p)))
        entries.sort(key=lambda e: e.relpath)
        return entries


def _read_file(path):
    with open(path, 'rb') as handle:
        return handle.read()


class GitTree:
    """A repository read from the git objects of one commit (nothing is checked out).

    Directory listings are indexed once per tree object, so look-ups cost O(1) per path part;
    symlinks are followed inside the repository and refused when they point outside.
    """

    kind = 'git'

    def __init__(self, repo, commit):
        self.repo = repo
        self.commit = commit
        self._listings = {}

    def _listing(self, tree):
        listing = self._listings.get(tree.binsha)
        if listing is None:
            listing = {item.name: item for item in tree}
            self._listings[tree.binsha] = listing
        return listing

    def _lookup(self, relpath, where, follow_last=True):
        """The git object at a path (following symlinks), or None when nothing is there."""
        relpath = check_relative_path(relpath or '.', where)
        parts = relpath.split('/') if relpath else []
        hops = 0
        done = []
        current = self.commit.tree
        while parts:
            part = parts.pop(0)
            if current.type != 'tree':
                return None
            item = self._listing(current).get(part)
            if item is None:
                return None
            is_link = item.type == 'blob' and item.mode == 0o120000
            if is_link and (parts or follow_last):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise SubuserError('%s: too many levels of symlinks at "%s"' % (where, relpath))
                target = item.data_stream.read().decode('utf-8', 'replace')
                if target.startswith('/'):
                    raise SubuserError('%s: "%s" is a symlink pointing outside the repository (%s)'
                                       % (where, _join(*done, part), target))
                joined = posixpath.normpath(_join('/'.join(done), target))
                if joined == '..' or joined.startswith('../'):
                    raise SubuserError('%s: "%s" is a symlink pointing outside the repository (%s)'
                                       % (where, _join(*done, part), target))
                parts = ([] if joined == '.' else joined.split('/')) + parts
                done = []
                current = self.commit.tree
                continue
            done.append(part)
            current = item
        return current

    def isdir(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        return item is not None and item.type == 'tree'

    def isfile(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        return item is not None and item.type == 'blob'

    def read(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        if item is None or item.type != 'blob':
            raise SubuserError('%s: %s does not exist at commit %s' % (where, relpath, self.commit.hexsha))
        return item.data_stream.read()

    def subdirs(self, relpath, where='path'):
        item = self._lookup(relpath, where)
        if item is None or item.type != 'tree':
            raise SubuserError('%s: %s is not a directory at commit %s'
                               % (where, relpath or '.', self.commit.hexsha))
        names = []
        for name, child in self._listing(item).items():
            if child.type == 'tree':
                names.append(name)
            elif child.type == 'blob' and child.mode == 0o120000:
                try:
                    if self.isdir(_join(relpath, name), where):
                        names.append(name)
                except SubuserError:
                    continue
        return sorted(names)

    def files(self, relpath, where='build context'):
        top = self._lookup(relpath, where)
        if top is None or top.type != 'tree':
            raise SubuserError('%s: %s is not a directory at commit %s'
                               % (where, relpath or '.', self.commit.hexsha))
        entries = []
        stack = [('', top)]
        while stack:
            prefix, tree = stack.pop()
            for name, item in self._listing(tree).items():
                rel = _join(prefix, name)
                if item.type == 'tree':
                    stack.append((rel, item))
                elif item.type == 'blob':
                    if item.mode == 0o120000:
                        kind = 'symlink'
                    elif item.mode & 0o111:
                        kind = 'executable'
                    else:
                        kind = 'file'
                    entries.append(FileEntry(rel, kind, item.hexsha,
                                             lambda i=item: i.data_stream.read()))
                # submodules (commits) are not part of a build context
        entries.sort(key=lambda e: e.relpath)
        return entries


def apply_dockerignore(entries):
    """The entries Docker would send: those not excluded by the context's .dockerignore.

    The .dockerignore itself stays (Docker reads it); an ignored file then changes nothing.
    """
    ignore = [e for e in entries if e.relpath == '.dockerignore']
    if not ignore or not HAS_DOCKER_PATTERNS:
        return entries
    patterns = [line.strip() for line in ignore[0].read().decode('utf-8', 'replace').splitlines()
                if line.strip() and not line.strip().startswith('#')]
    matcher = PatternMatcher(patterns)
    return [e for e in entries if e.relpath in ('.dockerignore', 'Dockerfile') or not matcher.matches(e.relpath)]


def context_hash(entries):
    """SHA-256 over the paths, kinds and blob IDs of a build context (same for git and disk)."""
    digest = hashlib.sha256(HASH_SCHEME.encode())
    for entry in entries:
        digest.update(('%s\0%s\0%s\n' % (entry.relpath, entry.kind, entry.blob_id)).encode())
    return 'sha256:' + digest.hexdigest()


# ---------------------------------------------------------------------------- git access

def _require_git():
    if not HAS_GITPYTHON:
        raise SubuserError('GitPython is required for git repositories: %s' % GITPYTHON_IMPORT_ERROR)


def _git_error(exc):
    stderr = getattr(exc, 'stderr', None)
    text = (stderr or str(exc)).strip()
    text = re.sub(r"^stderr: '?", '', text).rstrip("'").strip()
    return ' '.join(text.split())[:600]


def slug(text):
    """A lowercase Docker- and file-name-safe form of a name (a valid image path component)."""
    value = _SLUG_RE.sub('-', text.lower())
    value = re.sub(r'[._-]{2,}', '-', value).strip('-._')
    return value or 'x'


def unique_slug(text):
    """slug(), plus a short digest of the name when the slug changed it, so that two names
    (``a b`` and ``a-b``, ``€`` and ``ž``) never share an image name."""
    value = slug(text)
    if value == text:
        return value
    return '%s-%s' % (value, hashlib.sha256(text.encode('utf-8')).hexdigest()[:8])


def repository_label(url):
    """A short name for a repository URL: its last path component without .git."""
    tail = normalize_url(url).rstrip('/').rsplit('/', 1)[-1].rsplit(':', 1)[-1]
    if tail.endswith('.git'):
        tail = tail[:-4]
    return tail or 'repository'


def mirror_path(cache_dir, url):
    digest = hashlib.sha256(normalize_url(url).encode()).hexdigest()[:16]
    return os.path.join(cache_dir, '%s-%s.git' % (slug(repository_label(url)), digest))


def fetch_mirror(url, cache_dir, update=True):
    """A bare mirror of ``url`` under ``cache_dir`` (cloned or fetched) and its default branch."""
    _require_git()
    path = mirror_path(cache_dir, url)
    try:
        if not os.path.isdir(path):
            os.makedirs(cache_dir, exist_ok=True)
            temporary = tempfile.mkdtemp(prefix='.clone-', dir=cache_dir)
            try:
                gitpython.Repo.clone_from(url, temporary, mirror=True)
                try:
                    os.rename(temporary, path)
                except OSError:
                    if not os.path.isdir(path):  # else another run cloned it meanwhile
                        raise
            finally:
                shutil.rmtree(temporary, ignore_errors=True)
            update = True
        repo = gitpython.Repo(path)
        if update:
            repo.git.fetch('--prune', '--force', '--tags', 'origin')
            default = _remote_default_branch(repo)
            if default:
                repo.git.symbolic_ref('HEAD', 'refs/heads/' + default)
    except gitpython.exc.GitError as exc:
        raise SubuserError('Cannot fetch git repository %s: %s' % (url, _git_error(exc)), url=url)
    except OSError as exc:
        raise SubuserError('Cannot fetch git repository %s into %s: %s' % (url, path, exc), url=url)
    try:
        default = repo.git.symbolic_ref('--short', 'HEAD').strip()
    except gitpython.exc.GitError:
        default = None
    if not default or not _has_ref(repo, 'refs/heads/' + default):
        branches = sorted(ref.name for ref in repo.branches)
        if not branches:
            raise SubuserError('git repository %s has no branches' % url, url=url)
        default = branches[0] if len(branches) == 1 else (
            'main' if 'main' in branches else 'master' if 'master' in branches else branches[0])
    return repo, default


def _remote_default_branch(repo):
    try:
        output = repo.git.ls_remote('--symref', 'origin', 'HEAD')
    except gitpython.exc.GitError:
        return None
    for line in output.splitlines():
        match = re.match(r'^ref:\s+refs/heads/(\S+)\s+HEAD$', line.strip())
        if match:
            return match.group(1)
    return None


def _has_ref(repo, ref):
    try:
        repo.git.rev_parse('--verify', '--quiet', ref + '^{commit}')
        return True
    except gitpython.exc.GitError:
        return False


def resolve_ref(repo, ref, url):
    """The commit of a branch, a tag or a commit ID (full or abbreviated)."""
    for candidate in ('refs/heads/' + ref, 'refs/tags/' + ref):
        if _has_ref(repo, candidate):
            return repo.commit(repo.git.rev_parse(candidate + '^{commit}').strip()), candidate
    if re.match(r'^[0-9a-fA-F]{4,40}$', ref) and _has_ref(repo, ref):
        return repo.commit(repo.git.rev_parse(ref + '^{commit}').strip()), ref
    branches = sorted(b.name for b in repo.branches)
    tags = sorted(t.name for t in repo.tags)
    raise SubuserError('%s: "%s" is not a branch, tag or commit of the repository (branches: %s; '
                       'tags: %s)' % (url, ref, ', '.join(branches) or 'none',
                                      ', '.join(tags[:20]) or 'none'), url=url, ref=ref)


# ---------------------------------------------------------------------------- repositories

class ImageSource:
    """One image source of a repository, with what is wrong with it."""

    def __init__(self, repository, name, explicit=False):
        self.repository = repository
        self.name = name
        self.explicit = explicit
        self.directory = None
        self.permissions_file = None
        self.build_context = None
        self.image_file = None
        self.image_file_type = None
        self.deprecated_image_dir = False
        self.parent_text = None
        self.parent_line = None
        self.parent_identifier = None
        self.parent = None  # the resolved ImageSource
        self.permissions = None
        self.errors = []
        self.warnings = []
        self.lineage_error = None

    @property
    def identifier(self):
        return '%s@%s' % (self.name, self.repository.display)

    @property
    def key(self):
        return (self.repository.key, self.name)

    @property
    def valid(self):
        return not self.errors

    def where(self, relpath):
        return self.repository.where(relpath)


class Repository:
    """A subuser repository at one state: a directory, or a git commit."""

    def __init__(self, key, display, name, tree, commit=None, ref=None, default_branch=None,
                 url=None, path=None):
        self.key = key
        self.display = display
        self.name = name
        self.tree = tree
        self.commit = commit
        self.ref = ref
        self.default_branch = default_branch
        self.url = url
        self.path = path
        self.config = {}
        self.constraint = None
        self.image_sources_dir = ''
        self.sources = {}
        self.warnings = []

    def where(self, relpath):
        if self.commit is not None:
            return '%s@%s:%s' % (self.display, self.commit.hexsha[:12], relpath)
        return os.path.join(self.path, relpath) if self.path else relpath

    def summary(self):
        return {
            'name': self.name,
            'display': self.display,
            'kind': self.tree.kind,
            'url': self.url,
            'path': self.path,
            'default_branch': self.default_branch,
            'ref': self.ref,
            'commit': self.commit.hexsha if self.commit is not None else None,
            'version_constraint': self.constraint,
            'image_sources_dir': self.image_sources_dir or '.',
            'config': self.config,
            'warnings': list(self.warnings),
        }


def open_local(path, name=None):
    """A repository read from a directory. Version constraints do not apply (as in subuser)."""
    root = os.path.abspath(os.path.expanduser(path))
    tree = LocalTree(root)
    repository = Repository(key=root, display=root.rstrip('/') + '/', name=name or os.path.basename(root),
                            tree=tree, path=root)
    repository.config = _read_config(repository)
    if 'subuser-version-constraints' in repository.config:
        repository.warnings.append(
            '%s: subuser-version-constraints are ignored for a local directory; read the '
            'repository through git (url) to honour them' % repository.where(SUBUSER_JSON))
    _load_sources(repository)
    return repository


def open_git(url, cache_dir, version=None, subuser_version=DEFAULT_SUBUSER_VERSION, update=True,
             name=None, display=None):
    """A repository read from git objects.

    Without ``version``, .subuser.json is read on the default branch and its
    subuser-version-constraints (evaluated against ``subuser_version``, when set) pick the ref;
    .subuser.json is then read again at that ref. ``version`` (branch, tag or commit) pins the
    ref directly.
    """
    repo, default_branch = fetch_mirror(url, cache_dir, update)
    start = version or default_branch
    commit, resolved = resolve_ref(repo, start, url)
    repository = Repository(key=normalize_url(url), display=display or url, name=name or repository_label(url),
                            tree=GitTree(repo, commit), commit=commit, ref=resolved,
                            default_branch=default_branch, url=url)
    config = _read_config(repository)
    constraints = config.get('subuser-version-constraints')
    if version is None and constraints is not None and subuser_version:
        where = repository.where(SUBUSER_JSON)
        ref, index, entry = select_constraint(constraints, subuser_version, where)
        commit, resolved = resolve_ref(repo, ref, url)
        repository.constraint = {'index': index, 'entry': entry, 'subuser_version': subuser_version,
                                 'read_at': start}
        repository.commit = commit
        repository.ref = resolved
        repository.tree = GitTree(repo, commit)
        config = _read_config(repository)  # re-read at the selected ref (not re-evaluated)
    elif version is not None and constraints is not None:
        repository.warnings.append('%s: subuser-version-constraints not evaluated: version %s is '
                                   'pinned' % (repository.where(SUBUSER_JSON), version))
    repository.config = config
    _load_sources(repository)
    return repository


def _read_config(repository):
    """.subuser.json at the repository root, checked; {} when there is none."""
    tree = repository.tree
    where = repository.where(SUBUSER_JSON)
    if not tree.isfile(SUBUSER_JSON, where):
        return {}
    config = load_json(tree.read(SUBUSER_JSON, where), where)
    if not isinstance(config, dict):
        raise SubuserError('%s: must be a JSON object, not %s' % (where, _show(config)), file=where)
    for key in config:
        if key not in ('image-sources-dir', 'explicit-image-sources', 'subuser-version-constraints'):
            repository.warnings.append('%s: unknown key "%s" is ignored' % (where, key))
    if 'subuser-repository-root' in config and 'image-sources-dir' not in config:
        repository.warnings.append('%s: "subuser-repository-root" was renamed "image-sources-dir"; '
                                   'subuser no longer reads it' % where)
    directory = config.get('image-sources-dir')
    if directory is not None and not isinstance(directory, str):
        raise SubuserError('%s: "image-sources-dir" must be a string (a relative path), not %s'
                           % (where, _show(directory)), file=where)
    explicit = config.get('explicit-image-sources')
    if explicit is not None and not isinstance(explicit, dict):
        raise SubuserError('%s: "explicit-image-sources" must be an object mapping names to '
                           '{"image-file", "build-context", "permissions-file"}, not %s'
                           % (where, _show(explicit)), file=where)
    if 'subuser-version-constraints' in config:
        validate_constraints(config['subuser-version-constraints'], where)
    return config


def _load_sources(repository):
    tree = repository.tree
    config = repository.config
    where = repository.where(SUBUSER_JSON)
    directory = check_relative_path(config.get('image-sources-dir') or '.',
                                    '%s: "image-sources-dir"' % where)
    repository.image_sources_dir = directory
    if not tree.isdir(directory, '%s: "image-sources-dir"' % where):
        raise SubuserError('%s: "image-sources-dir" %s is not a directory of the repository'
                           % (where, directory), file=where)
    sources = {}
    for name in tree.subdirs(directory, repository.where(directory or '.')):
        folder = _join(directory, name)
        candidate = _join(folder, PERMISSIONS_JSON)
        try:
            if not tree.isfile(candidate, repository.where(candidate)):
                continue
        except SubuserError as exc:
            repository.warnings.append(exc.msg)
            continue
        if '@' in name:
            repository.warnings.append('%s: image source names cannot contain "@"; ignored'
                                       % repository.where(folder))
            continue
        source = ImageSource(repository, name)
        source.directory = folder
        _load_discovered(source)
        sources[name] = source
    for name, entry in sorted((config.get('explicit-image-sources') or {}).items()):
        source = ImageSource(repository, name, explicit=True)
        if name in sources:
            repository.warnings.append('%s: explicit image source "%s" overrides the one found in %s'
                                       % (where, name, sources[name].directory))
        if '@' in name:
            source.errors.append('%s: explicit image source name "%s" cannot contain "@"' % (where, name))
        _load_explicit(source, entry, where)
        sources[name] = source
    repository.sources = sources


def _load_discovered(source):
    tree = source.repository.tree
    folder = source.directory
    source.permissions_file = _join(folder, PERMISSIONS_JSON)
    try:
        image_dir = _join(folder, IMAGE_DIR)
        if tree.isdir(image_dir, source.where(image_dir)):
            source.build_context = image_dir
        else:
            old = _join(folder, DEPRECATED_IMAGE_DIR)
            if tree.isdir(old, source.where(old)):
                source.build_context = old
                source.deprecated_image_dir = True
                source.warnings.append('%s: the "docker-image" directory is deprecated; rename it '
                                       '"image"' % source.where(old))
            else:
                source.errors.append('%s: no image/ directory holding a Dockerfile or '
                                     'SubuserImagefile' % source.where(folder))
        if source.build_context is not None:
            for candidate in IMAGE_FILE_NAMES:
                path = _join(source.build_context, candidate)
                if tree.isfile(path, source.where(path)):
                    source.image_file = path
                    break
            else:
                source.errors.append('%s: neither Dockerfile nor SubuserImagefile in it'
                                     % source.where(source.build_context))
    except SubuserError as exc:
        source.errors.append(exc.msg)
    _load_permissions(source)
    _load_image_file(source)


def _load_explicit(source, entry, where):
    tree = source.repository.tree
    at = '%s: explicit-image-sources "%s"' % (where, source.name)
    if not isinstance(entry, dict):
        source.errors.append('%s must be an object with image-file, build-context and '
                             'permissions-file, not %s' % (at, _show(entry)))
        return
    missing = [key for key in ('image-file', 'build-context', 'permissions-file') if key not in entry]
    if missing:
        source.errors.append('%s lacks %s (all of image-file, build-context and permissions-file '
                             'are needed)' % (at, ', '.join(missing)))
    for key in entry:
        if key not in ('image-file', 'build-context', 'permissions-file'):
            source.warnings.append('%s: unknown key "%s" is ignored' % (at, key))
    try:
        if 'permissions-file' in entry:
            source.permissions_file = check_relative_path(entry['permissions-file'], at + ' permissions-file')
            tree.isfile(source.permissions_file, at + ' permissions-file')  # symlink check
        if 'build-context' in entry:
            context = check_relative_path(entry['build-context'], at + ' build-context')
            if not tree.isdir(context, at + ' build-context'):
                source.errors.append('%s: build-context %s is not a directory' % (at, entry['build-context']))
            else:
                source.build_context = context
        if 'image-file' in entry:
            image_file = check_relative_path(entry['image-file'], at + ' image-file')
            basename = posixpath.basename(image_file)
            if basename not in IMAGE_FILE_NAMES:
                source.errors.append('%s: image-file %s must be named Dockerfile or SubuserImagefile'
                                     % (at, entry['image-file']))
            elif not tree.isfile(image_file, at + ' image-file'):
                source.errors.append('%s: image-file %s does not exist' % (at, entry['image-file']))
            else:
                source.image_file = image_file
    except SubuserError as exc:
        source.errors.append(exc.msg)
    if source.permissions_file:
        _load_permissions(source)
    _load_image_file(source)


def _load_permissions(source):
    tree = source.repository.tree
    path = source.permissions_file
    where = source.where(path)
    try:
        if not tree.isfile(path, where):
            source.errors.append('%s does not exist' % where)
            return
        data = load_json(tree.read(path, where), where)
    except SubuserError as exc:
        source.errors.append(exc.msg)
        return
    report = permissions_mod.validate(data, where)
    source.permissions = report
    source.errors.extend(report.errors)
    source.warnings.extend(report.warnings)


def _load_image_file(source):
    if not source.image_file:
        return
    tree = source.repository.tree
    where = source.where(source.image_file)
    source.image_file_type = posixpath.basename(source.image_file)
    try:
        text = tree.read(source.image_file, where).decode('utf-8', 'replace')
        argument, line = parse_image_file(text, where)
    except SubuserError as exc:
        source.errors.append(exc.msg)
        return
    if argument is None:
        return
    if source.image_file_type == 'Dockerfile':
        source.errors.append('%s:%d: FROM-SUBUSER-IMAGE only works in a SubuserImagefile (a '
                             'Dockerfile is sent to Docker unchanged); rename the file'
                             % (where, line))
        return
    source.parent_text = argument
    source.parent_line = line
    try:
        source.parent_identifier = parse_identifier(argument, in_image_file=True,
                                                    where='%s:%d' % (where, line))
    except SubuserError as exc:
        source.errors.append(exc.msg)


# ---------------------------------------------------------------------------- repository set

class RepositorySet:
    """The main repository and the ones FROM-SUBUSER-IMAGE reaches, opened on demand.

    ``mappings`` replace repository identifiers (``default`` or a URL) with another location
    (a git URL, or an absolute directory path), e.g. a mirror or a local copy.
    """

    def __init__(self, cache_dir=None, subuser_version=DEFAULT_SUBUSER_VERSION, update=True,
                 mappings=None):
        self.cache_dir = cache_dir
        self.subuser_version = subuser_version
        self.update = update
        self.mappings = {normalize_url(k) if k != DEFAULT_REPOSITORY else k: v
                         for k, v in (mappings or {}).items()}
        self.repositories = {}
        self.failures = {}

    def add(self, repository, identity=None):
        self.repositories[identity or repository.key] = repository
        return repository

    def open(self, identity):
        """The repository for ``default`` or a URL (cached; a failure is remembered)."""
        if identity in self.repositories:
            return self.repositories[identity]
        if identity in self.failures:
            raise self.failures[identity]
        display = DEFAULT_REPOSITORY if identity == DEFAULT_REPOSITORY else identity
        location = self.mappings.get(identity)
        if location is None:
            location = DEFAULT_REPOSITORY_URL if identity == DEFAULT_REPOSITORY else identity
        try:
            if '://' not in location and location.startswith('/'):
                repository = open_local(location, name=repository_label(display))
                repository.display = display
            else:
                if not self.cache_dir:
                    raise SubuserError('no cache_dir to fetch %s into' % location)
                repository = open_git(location, self.cache_dir, subuser_version=self.subuser_version,
                                      update=self.update, name=repository_label(display),
                                      display=display)
        except SubuserError as exc:
            self.failures[identity] = exc
            raise
        self.repositories[identity] = repository
        return repository

    def resolve_parent(self, source):
        """Set ``source.parent`` from its FROM-SUBUSER-IMAGE identifier (errors go to the source)."""
        identifier = source.parent_identifier
        if identifier is None or source.parent is not None:
            return source.parent
        if identifier.kind == 'context':
            repository = source.repository
        else:
            identity = DEFAULT_REPOSITORY if identifier.kind == 'named' else normalize_url(identifier.repository)
            try:
                repository = self.open(identity)
            except SubuserError as exc:
                source.errors.append('%s:%d: cannot open the repository of FROM-SUBUSER-IMAGE %s: %s'
                                     % (source.where(source.image_file), source.parent_line,
                                        identifier.text, exc.msg))
                return None
        parent = repository.sources.get(identifier.name)
        if parent is None:
            names = sorted(repository.sources)
            shown = ', '.join(names[:30]) + (' ...' if len(names) > 30 else '')
            source.errors.append('%s:%d: FROM-SUBUSER-IMAGE %s: no image source "%s" in repository '
                                 '%s (it has: %s)' % (source.where(source.image_file), source.parent_line,
                                                      identifier.text, identifier.name,
                                                      repository.display, shown or 'none'))
            return None
        source.parent = parent
        return parent


def lineages(repository_set, sources):
    """Parents first, for the given sources and all their ancestors.

    Returns (order, lineage) where ``lineage`` maps a source key to the list of its ancestors
    (base first). Sources on a cycle, or below one, get ``lineage_error`` naming the cycle.
    Linear in the number of sources: each chain is walked once.
    """
    lineage = {}
    order = []
    placed = set()
    for start in sources:
        path = []
        on_path = {}
        node = start
        # Walk up until a known node, a root or a repeat.
        while node is not None and node.key not in lineage:
            if node.key in on_path:
                cycle = path[on_path[node.key]:] + [node]
                text = ' -> '.join(s.identifier for s in cycle)
                for member in path[on_path[node.key]:]:
                    member.lineage_error = 'FROM-SUBUSER-IMAGE cycle: %s' % text
                    lineage[member.key] = None
                break
            on_path[node.key] = len(path)
            path.append(node)
            node = repository_set.resolve_parent(node)
        # Unwind: children of a known (or cyclic) node.
        for member in reversed(path):
            if member.key in lineage:
                continue
            parent = member.parent
            if parent is None:
                lineage[member.key] = []
            elif lineage.get(parent.key) is None:
                member.lineage_error = member.lineage_error or (
                    'its ancestor %s is on a FROM-SUBUSER-IMAGE cycle' % parent.identifier
                    if parent.lineage_error else 'parent %s cannot be resolved' % parent.identifier)
                lineage[member.key] = None
            else:
                lineage[member.key] = lineage[parent.key] + [parent]
        for member in reversed(path):
            if member.key not in placed and lineage.get(member.key) is not None:
                placed.add(member.key)
                order.append(member)
    return order, lineage


def inspect(repository_set, repository, names=None):
    """The description of a repository's image sources (all of them, or ``names``)."""
    if names:
        unknown = [n for n in names if n not in repository.sources]
        if unknown:
            raise SubuserError('No image source %s in repository %s (it has: %s)'
                               % (', '.join(unknown), repository.display,
                                  ', '.join(sorted(repository.sources)) or 'none'))
        selected = [repository.sources[n] for n in names]
    else:
        selected = [repository.sources[n] for n in sorted(repository.sources)]
    order, lineage = lineages(repository_set, selected)
    described = []
    for source in selected:
        described.append(describe(source, lineage.get(source.key)))
    foreign = [s for s in order if s.repository is not repository]
    return {
        'repository': repository.summary(),
        'sources': described,
        'dependencies': [describe(s, lineage.get(s.key)) for s in foreign],
        'build_order': [s.identifier for s in order if _buildable(s, lineage)],
        'invalid': sorted(s.identifier for s in selected + foreign if not _buildable(s, lineage)),
        'repositories': [r.summary() for key, r in sorted(repository_set.repositories.items())
                         if r is not repository],
        'warnings': list(repository.warnings) + [w for s in selected for w in s.warnings],
    }


def _buildable(source, lineage):
    chain = lineage.get(source.key)
    if chain is None or source.errors or source.lineage_error:
        return False
    return all(not s.errors for s in chain)


def describe(source, chain):
    report = source.permissions
    errors = list(source.errors)
    if source.lineage_error:
        errors.append(source.lineage_error)
    blocked = [s.identifier for s in (chain or []) if s.errors]
    return {
        'name': source.name,
        'identifier': source.identifier,
        'repository': source.repository.display,
        'explicit': source.explicit,
        'permissions_file': source.permissions_file,
        'build_context': source.build_context,
        'image_file': source.image_file,
        'image_file_type': source.image_file_type,
        'deprecated_image_dir': source.deprecated_image_dir,
        'from_subuser_image': source.parent_text,
        'parent': source.parent.identifier if source.parent is not None else None,
        'lineage': [s.identifier for s in chain] if chain is not None else None,
        'permission_level': report.level if report is not None and report.valid else None,
        'permissions': dict(report.granted) if report is not None else {},
        'valid': not errors and not blocked,
        'blocked_by': blocked,
        'errors': errors,
        'warnings': list(source.warnings),
    }


# ---------------------------------------------------------------------------- building

def image_reference(source, prefix, tag):
    """``<prefix><repository>/<source>:<tag>``, lowercase and Docker-safe."""
    return '%s%s/%s:%s' % (prefix, unique_slug(source.repository.name), unique_slug(source.name), tag)


class SourceBuild:
    def __init__(self, source, reference):
        self.source = source
        self.reference = reference
        self.image_id = None
        self.image_id_before = None
        self.context_hash = None
        self.build_hash = None
        self.built = False
        self.pending = False  # would be built (check mode)
        self.build_reason = None
        self.parent_image_id = None
        self.labels = {}
        self.actions = []

    def as_dict(self):
        return {
            'name': self.source.name,
            'identifier': self.source.identifier,
            'repository': self.source.repository.display,
            'commit': self.source.repository.commit.hexsha if self.source.repository.commit is not None else None,
            'image': self.reference,
            'image_id': self.image_id,
            'image_id_before': self.image_id_before,
            'parent_image_id': self.parent_image_id,
            'context_hash': self.context_hash,
            'build_hash': self.build_hash,
            'built': self.built,
            'build_reason': self.build_reason,
            'status': ('built' if self.built else 'would be built' if self.pending else
                       'up to date: the image label %s matches the inputs' % LABEL_BUILD_HASH),
            'labels': dict(self.labels),
        }


class SubuserBuilder:
    """Builds image sources parents first through the collection's DockerClient."""

    def __init__(self, client, check_mode=False, prefix='casa-subuser/', tag='latest', nocache=False,
                 force=False, network=None, validate_reference=None):
        self.client = client
        self.check_mode = check_mode
        self.prefix = prefix
        self.tag = tag
        self.nocache = nocache
        self.force = force
        self.network = network
        self.validate_reference = validate_reference
        self.results = []
        self.changed = False

    def build(self, order, lineage):
        done = {}
        for source in order:
            chain = lineage.get(source.key)
            broken = [s for s in (chain or []) + [source] if s.errors]
            if chain is None or broken:
                reasons = source.errors or [e for s in broken for e in s.errors] or [source.lineage_error]
                raise SubuserError('Cannot build %s: %s' % (source.identifier, '; '.join(reasons)),
                                   source=source.identifier)
            self.results.append(self._build_one(source, done))
            done[source.key] = self.results[-1]
        return self.results

    def _build_one(self, source, done):
        reference = image_reference(source, self.prefix, self.tag)
        if self.validate_reference:
            repository, tag = reference.rsplit(':', 1)
            self.validate_reference(repository, [tag], 'image of %s' % source.identifier)
        result = SourceBuild(source, reference)
        repository = source.repository
        entries = apply_dockerignore(
            repository.tree.files(source.build_context, source.where(source.build_context)))
        result.context_hash = context_hash(entries)
        text = repository.tree.read(source.image_file, source.where(source.image_file)).decode('utf-8', 'replace')
        parent_result = done.get(source.parent.key) if source.parent is not None else None
        parent_pending = False
        if source.parent is not None:
            parent_pending = parent_result.pending
            result.parent_image_id = None if parent_pending else parent_result.image_id
            dockerfile = render_image_file(text, result.parent_image_id or 'pending')
        else:
            dockerfile = text if text.endswith('\n') else text + '\n'
        digest = hashlib.sha256(HASH_SCHEME.encode())
        digest.update(result.context_hash.encode() + b'\0' + dockerfile.encode('utf-8'))
        result.build_hash = 'sha256:' + digest.hexdigest()
        existing = self.client.inspect_image(reference)
        result.image_id_before = existing['Id'] if existing else None
        labels = ((existing or {}).get('Config') or {}).get('Labels') or {}
        if self.force:
            reason = 'force=true'
        elif parent_pending:
            reason = 'parent %s would be rebuilt' % source.parent.identifier
        elif existing is None:
            reason = 'image not in the daemon'
        elif labels.get(LABEL_BUILD_HASH) is None:
            reason = 'existing image has no %s label' % LABEL_BUILD_HASH
        elif labels.get(LABEL_BUILD_HASH) == result.build_hash:
            reason = None
        elif parent_result is not None and parent_result.built:
            reason = 'parent %s was rebuilt' % source.parent.identifier
        elif labels.get(LABEL_CONTEXT_HASH) != result.context_hash:
            reason = 'build context changed (%s -> %s)' % (
                (labels.get(LABEL_CONTEXT_HASH) or 'none')[:19], result.context_hash[:19])
        elif source.parent is not None and labels.get(LABEL_PARENT) != result.parent_image_id:
            reason = 'parent image changed (%s -> %s)' % (
                (labels.get(LABEL_PARENT) or 'none')[:19], result.parent_image_id[:19])
        else:
            reason = 'image file changed'
        result.build_reason = reason
        result.labels = {
            LABEL_SOURCE: source.name,
            LABEL_REPOSITORY: repository.display,
            LABEL_COMMIT: repository.commit.hexsha if repository.commit is not None else '',
            LABEL_REF: repository.ref or '',
            LABEL_BUILD_HASH: result.build_hash,
            LABEL_CONTEXT_HASH: result.context_hash,
            LABEL_PARENT: result.parent_image_id or '',
        }
        if reason is None:
            result.image_id = existing['Id']
            return result
        self.changed = True
        if self.check_mode:
            result.pending = True
            result.image_id = result.image_id_before
            result.actions.append('Would build %s as %s (%s)' % (source.identifier, reference, reason))
            return result
        staging = tempfile.mkdtemp(prefix='casa-subuser-')
        try:
            stage_context(entries, staging)
            with open(os.path.join(staging, 'Dockerfile'), 'w', encoding='utf-8') as handle:
                handle.write(dockerfile)
            image_id, _log = self.client.build(staging, tag=reference, dockerfile='Dockerfile',
                                               labels=result.labels, network_mode=self.network,
                                               nocache=self.nocache)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        result.image_id = image_id
        result.built = True
        result.actions.append('Built %s as %s: %s (%s)' % (source.identifier, reference, image_id, reason))
        return result


def stage_context(entries, destination):
    """Write a build context read from a tree into a directory."""
    for entry in entries:
        target = os.path.join(destination, *entry.relpath.split('/'))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        data = entry.read()
        if entry.kind == 'symlink':
            os.symlink(data.decode('utf-8', 'replace'), target)
            continue
        with open(target, 'wb') as handle:
            handle.write(data)
        os.chmod(target, 0o755 if entry.kind == 'executable' else 0o644)


# ---------------------------------------------------------------------------- publishing

PUBLISH_HEADER = '# Published by casa.distro (subuser_repo); edits here are overwritten.\n'


def publish_files(spec, where):
    """The files of one published image source: {relative path: bytes}."""
    name = spec.get('name')
    if not isinstance(name, str) or not name or name in ('.', '..') or re.search(r'[@/\\:!]', name):
        raise SubuserError('%s: invalid image source name %s (no "@", "/", "\\", ":" or "!")'
                           % (where, _show(name)))
    where = '%s "%s"' % (where, name)
    perms = spec.get('permissions')
    if not isinstance(perms, dict):
        raise SubuserError('%s: permissions must be a dict (the content of permissions.json)' % where)
    report = permissions_mod.validate(perms, '%s permissions' % where)
    if report.errors:
        raise SubuserError('; '.join(report.errors), permission_warnings=report.warnings)
    image = spec.get('image')
    parent = spec.get('parent')
    if bool(image) == bool(parent):
        raise SubuserError('%s: set exactly one of image (a registry image to start FROM) and '
                           'parent (a FROM-SUBUSER-IMAGE identifier)' % where)
    lines = [PUBLISH_HEADER.rstrip('\n')]
    if image:
        if not isinstance(image, str) or re.search(r'\s', image):
            raise SubuserError('%s: image %s is not an image reference' % (where, _show(image)))
        lines.append('FROM %s' % image)
    else:
        parse_identifier(parent, in_image_file=True, where='%s parent' % where)
        lines.append('FROM-SUBUSER-IMAGE %s' % parent)
    # Always a SubuserImagefile (one without FROM-SUBUSER-IMAGE is used as it is): subuser
    # 0.6.2 tests file existence in git repositories by base name only, so a Dockerfile in one
    # image source would make it look for a Dockerfile in every other one.
    image_file = 'SubuserImagefile'
    for instruction in spec.get('instructions') or []:
        if not isinstance(instruction, str) or _FROM_SUBUSER_PREFIX_RE.match(instruction):
            raise SubuserError('%s: instructions must be Dockerfile lines, got %s'
                               % (where, _show(instruction)))
        lines.append(instruction)
    files = {
        PERMISSIONS_JSON: (json.dumps(perms, indent=2, ensure_ascii=False) + '\n').encode('utf-8'),
        '%s/%s' % (IMAGE_DIR, image_file): ('\n'.join(lines) + '\n').encode('utf-8'),
    }
    for relpath, content in sorted((spec.get('files') or {}).items()):
        relpath = check_relative_path(relpath, '%s files' % where)
        if relpath in ('Dockerfile', 'SubuserImagefile'):
            raise SubuserError('%s: files may not replace the image file %s' % (where, relpath))
        if not isinstance(content, str):
            raise SubuserError('%s: files[%s] must be text' % (where, relpath))
        files['%s/%s' % (IMAGE_DIR, relpath)] = content.encode('utf-8')
    return name, files, report


def publish(dest, sources, branch=None, image_sources_dir='', version_constraints=None,
            prune=False, message='Publish subuser image sources', author_name='casa.distro',
            author_email='casa.distro@localhost', check_mode=False):
    """Write image sources into the git repository ``dest`` and push one commit when needed."""
    _require_git()
    if not sources:
        raise SubuserError('publish: sources is empty: nothing to publish')
    isd = check_relative_path(image_sources_dir or '.', 'publish image_sources_dir')
    generated = {}
    warnings = []
    for index, spec in enumerate(sources):
        name, files, report = publish_files(spec, 'publish sources[%d]' % index)
        if name in generated:
            raise SubuserError('publish: image source "%s" is listed twice' % name)
        generated[name] = files
        warnings.extend(report.warnings)
    if version_constraints is not None:
        validate_constraints(version_constraints, 'publish version_constraints')
    workdir = tempfile.mkdtemp(prefix='casa-subuser-publish-')
    try:
        try:
            repo = gitpython.Repo.clone_from(dest, os.path.join(workdir, 'repo'), no_checkout=True)
        except gitpython.exc.GitError as exc:
            raise SubuserError('Cannot clone %s to publish into it: %s' % (dest, _git_error(exc)), dest=dest)
        root = repo.working_tree_dir
        try:
            remote_branches = sorted(ref.remote_head for ref in repo.remotes.origin.refs
                                     if ref.remote_head != 'HEAD')
        except (AssertionError, IndexError, gitpython.exc.GitError):
            remote_branches = []  # an empty repository
        if not branch:
            branch = _remote_default_branch(repo) if remote_branches else None
            branch = branch or 'master'  # subuser 0.6.2 reads origin/master of git repositories
        if branch in remote_branches:
            repo.git.checkout('-B', branch, 'origin/' + branch)
            before = repo.head.commit.hexsha
        else:
            repo.git.checkout('--orphan', branch)
            repo.git.rm('-r', '-q', '--cached', '--ignore-unmatch', '.')
            for item in os.listdir(root):
                if item != '.git':
                    _remove(os.path.join(root, item))
            before = None
        config_where = '%s@%s:%s' % (dest, branch, SUBUSER_JSON)
        config_path = os.path.join(root, SUBUSER_JSON)
        config = {}
        if os.path.exists(config_path):
            with open(config_path, 'rb') as handle:
                config = load_json(handle.read(), config_where)
            if not isinstance(config, dict):
                raise SubuserError('%s: must be a JSON object' % config_where)
        new_config = dict(config)
        if isd:
            new_config['image-sources-dir'] = isd
        elif 'image-sources-dir' in new_config and check_relative_path(
                new_config['image-sources-dir'], config_where) != '':
            new_config.pop('image-sources-dir')
        if version_constraints is not None:
            new_config['subuser-version-constraints'] = version_constraints
        for name in generated:
            if name in (new_config.get('explicit-image-sources') or {}):
                warnings.append('%s: explicit image source "%s" overrides the published one'
                                % (config_where, name))
        if new_config != config or (new_config and not os.path.exists(config_path)):
            write_if_changed(config_path, (json.dumps(new_config, indent=2, ensure_ascii=False) + '\n').encode('utf-8'))
        base = os.path.join(root, *isd.split('/')) if isd else root
        for name, files in generated.items():
            folder = os.path.join(base, name)
            wanted = {os.path.join(folder, *rel.split('/')): data for rel, data in files.items()}
            if os.path.isdir(folder):
                for directory, _dirs, names in os.walk(folder):
                    for item in names:
                        path = os.path.join(directory, item)
                        if path not in wanted:
                            os.unlink(path)
            for path, data in wanted.items():
                write_if_changed(path, data)
        removed = []
        if prune and os.path.isdir(base):
            for item in sorted(os.listdir(base)):
                if item not in generated and os.path.isfile(os.path.join(base, item, PERMISSIONS_JSON)):
                    _remove(os.path.join(base, item))
                    removed.append(item)
        for directory, dirnames, names in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != '.git']
            if 'Dockerfile' in names:
                warnings.append(
                    '%s holds a Dockerfile: subuser 0.6.2 reading the repository through git '
                    'checks file existence by base name only, and then looks for a Dockerfile in '
                    'every image source; name image files SubuserImagefile'
                    % os.path.relpath(os.path.join(directory, 'Dockerfile'), root))
                break
        repo.git.add('-A')
        status = repo.git.status('--porcelain', '--no-renames').splitlines()
        changed_files = sorted(line[3:] for line in status if line.strip())
        # The published tree must read back as a valid repository.
        check = open_local(root)
        problems = [e for n in generated for e in (check.sources[n].errors if n in check.sources
                                                   else ['%s was not discovered' % n])]
        if problems:
            raise SubuserError('The published tree would be invalid: %s' % '; '.join(problems))
        result = {'dest': dest, 'branch': branch, 'commit_before': before, 'commit': before,
                  'changed_files': changed_files, 'removed_sources': removed,
                  'sources': sorted(generated), 'pushed': False, 'warnings': warnings}
        if not changed_files:
            return result
        if check_mode:
            return result
        actor = gitpython.Actor(author_name, author_email)
        repo.index.commit(message, author=actor, committer=actor)
        result['commit'] = repo.head.commit.hexsha
        try:
            infos = repo.remotes.origin.push(refspec='HEAD:refs/heads/%s' % branch)
        except gitpython.exc.GitError as exc:
            raise SubuserError('Cannot push to %s (branch %s): %s' % (dest, branch, _git_error(exc)), dest=dest)
        for info in infos:
            if info.flags & (info.ERROR | info.REJECTED | info.REMOTE_REJECTED | info.REMOTE_FAILURE):
                raise SubuserError('Push to %s (branch %s) was refused: %s'
                                   % (dest, branch, info.summary.strip()), dest=dest)
        result['pushed'] = True
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _show(value):
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + '...'
