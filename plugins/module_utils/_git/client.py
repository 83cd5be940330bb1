# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one git client of the collection (release plans, subuser repositories).

Git objects (trees, blobs, commits) are read with GitPython, the rest runs the git CLI through
``_process.run``. A failure is a GitError with the command, exit code and stderr tail; URL
credentials (``https://user:token@host``) are redacted from every message and detail.

Security: no user value can reach git as an option: every value passes the checks of
``_git.arguments`` and goes after ``--`` or on stdin. Every run allows only the file, git, http, https and ssh
protocols (``protocol.allow=never`` plus ``protocol.<name>.allow=always``) and never prompts
for a credential (``GIT_TERMINAL_PROMPT=0``): a missing one fails.

The default branch rule (``choose_default_branch``), one for every caller: (1) the branch HEAD
points to (a remote's ``ref: refs/heads/X HEAD`` line of ``git ls-remote --symref``, a local
repository's HEAD symref) when that branch exists; (2) else the only branch, if there is one;
(3) else ``main`` or ``master`` when exactly one of them exists; (4) else none:
``default_branch`` raises a GitError listing the branches, plus the caller's hint.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._git.arguments import (
    PROTOCOLS, is_commit_id, redact, validate_branch, validate_commit, validate_path, validate_ref, validate_url)

try:
    import git as gitpython
    from git.objects.fun import tree_entries_from_data
    HAS_GITPYTHON = True
    GITPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    gitpython = None
    tree_entries_from_data = None
    HAS_GITPYTHON = False
    GITPYTHON_IMPORT_ERROR = exc

PROTOCOL_OPTIONS = ['-c', 'protocol.allow=never'] + [opt for name in PROTOCOLS for opt in ('-c', 'protocol.%s.allow=always' % name)]
BASE_ENV = {'GIT_TERMINAL_PROMPT': '0', 'GIT_PROTOCOL_FROM_USER': '0'}
REASON_CHARS = 600
TAIL_CHARS = 4000
SYMLINK_MODE = 0o120000
TREE_MODE = 0o040000
GITLINK_MODE = 0o160000

_ABBREV_RE = re.compile(r'^[0-9a-fA-F]{4,64}$')


class GitError(CasaError):
    """A git operation failed; ``reason``: git's complaint on one line; details command, rc, stderr (tail)."""

    def __init__(self, msg, reason=None, **details):
        super().__init__(redact(msg), **redact(details))
        self.reason = redact(reason or msg)


# ------------------------------------------------------------------------------------- runs
def git_environment(author_name=None, author_email=None):
    """The environment of git runs that commit or tag: the author and committer identity."""
    env = {'LC_ALL': 'C', 'GIT_TERMINAL_PROMPT': '0'}
    if author_name:
        env['GIT_AUTHOR_NAME'] = env['GIT_COMMITTER_NAME'] = author_name
    if author_email:
        env['GIT_AUTHOR_EMAIL'] = env['GIT_COMMITTER_EMAIL'] = author_email
    return env


def _one_line(text):
    # git's advice lines after a fatal error add nothing to a task result.
    return ' '.join(line.strip() for line in (text or '').splitlines() if line.strip())[:REASON_CHARS]


def run_git(args, cwd=None, env=None, input_data=None, check=True):
    """Run ``git <args>`` with the protocol restrictions (user values after ``--`` or on stdin)."""
    argv = [_process.find_tool('git', 'package git')] + PROTOCOL_OPTIONS + list(args)
    shown = ['git'] + [str(arg) for arg in args]
    input_data = input_data.encode('utf-8') if isinstance(input_data, str) else input_data
    try:
        result = _process.run(argv, cwd=cwd, env=dict(BASE_ENV, **(env or {})), input_data=input_data, check=False)
    except _process.ToolMissing:
        raise
    except _process.ProcessError as exc:
        raise GitError('git %s could not run: %s' % (args[0], exc.msg), command=shown, rc=None, stderr='')
    if check and result.rc != 0:
        stderr = result.stderr.decode('utf-8', 'replace')
        reason = _one_line(stderr) or _one_line(result.text) or 'no output'
        raise GitError('git %s failed (rc=%s): %s' % (args[0], result.rc, reason), reason=reason, command=shown, rc=result.rc,
                       stderr=stderr[-TAIL_CHARS:])
    return result


# ------------------------------------------------------------------------------- remotes
def parse_ls_remote(text):
    """``git ls-remote --symref`` output -> {head, heads: {branch: commit}, tags: {tag: commit (peeled)}}."""
    found = {'head': None, 'heads': {}, 'tags': {}}
    peeled = {}
    for line in text.splitlines():
        value, dummy, ref = line.partition('\t')
        if value.startswith('ref: refs/heads/') and ref == 'HEAD':
            found['head'] = value[len('ref: refs/heads/'):]
        elif ref.startswith('refs/heads/') and not value.startswith('ref: '):
            found['heads'][ref[len('refs/heads/'):]] = value
        elif ref.startswith('refs/tags/') and ref.endswith('^{}'):
            peeled[ref[len('refs/tags/'):-3]] = value
        elif ref.startswith('refs/tags/'):
            found['tags'][ref[len('refs/tags/'):]] = value
    found['tags'].update(peeled)
    return found


def ls_remote(url, env=None, where='url'):
    """The branches, tags and HEAD of remote ``url`` (see parse_ls_remote)."""
    validate_url(url, where)
    return parse_ls_remote(run_git(['ls-remote', '--symref', '--', url], env=env).text)


def choose_default_branch(head, branches):
    """The default branch by the rule of the module docstring, or None."""
    branches = sorted(branches)
    if head and head in branches:
        return head
    if len(branches) == 1:
        return branches[0]
    found = [name for name in ('main', 'master') if name in branches]
    return found[0] if len(found) == 1 else None


def default_branch(remote, url, hint=None):
    """The default branch of a remote read by ls_remote; a GitError (plus ``hint``) when the rule cannot tell."""
    found = choose_default_branch(remote['head'], remote['heads'])
    if found is None:
        raise GitError('cannot tell the default branch of %s (its HEAD is not advertised and branches are %s)%s'
                       % (url, ', '.join(sorted(remote['heads'])) or 'none', '; %s' % hint if hint else ''), url=url)
    return found


# -------------------------------------------------------------------------------- trees
class TreeEntry(collections.namedtuple('TreeEntry', 'name mode sha')):
    """One entry of a tree object: name, mode (an int, e.g. 0o100644) and object id; ``kind``
    is tree, blob or commit (a submodule); a file is a blob that is not a symlink."""

    __slots__ = ()
    kind = property(lambda self: {TREE_MODE: 'tree', GITLINK_MODE: 'commit'}.get(self.mode, 'blob'))
    is_tree = property(lambda self: self.mode == TREE_MODE)
    is_symlink = property(lambda self: self.mode == SYMLINK_MODE)
    is_file = property(lambda self: self.kind == 'blob' and not self.is_symlink)
    is_executable = property(lambda self: self.is_file and bool(self.mode & 0o111))


def _lease_options(lease):
    if not lease:
        return []
    ref, expected = lease
    if expected:
        validate_commit(expected, 'force_with_lease')
    return ['--force-with-lease=%s:%s' % (validate_ref(ref, 'force_with_lease'), expected or '')]


# --------------------------------------------------------------------------- repository
class GitRepo:
    """A working clone or bare mirror whose remote ``origin`` is ``url``; ``env`` (git_environment) goes to
    every git run. A context manager: ``close()`` ends the ``git cat-file`` process that reads objects."""

    def __init__(self, path, env=None, url=None):
        self.path = path
        self.env = dict(env or {})
        self.url = url
        self._objects = None
        self._trees = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self._objects is not None:
            self._objects.close()
            self._objects = None

    def _run(self, args, env=None, input_data=None, check=True):
        return run_git(args, cwd=self.path, env=dict(self.env, **(env or {})), input_data=input_data, check=check)

    @classmethod
    def clone(cls, url, path, env=None, where='url', checkout=True, mirror=False):
        """Clone ``url`` into new directory ``path`` (``checkout=False``: no files; ``mirror``: bare, every ref)."""
        validate_url(url, where)
        options = ['--mirror'] if mirror else [] if checkout else ['--no-checkout']
        run_git(['clone', '--quiet'] + options + ['--', url, path], env=env)
        return cls(path, env, url)

    @classmethod
    def init_bare(cls, path, branch, env=None, where='path'):
        """An empty bare repository at ``path`` whose HEAD names ``branch`` (what a first push
        to it then creates)."""
        validate_branch(branch, where + ' branch')
        try:
            run_git(['init', '--quiet', '--bare', '--initial-branch=' + branch, '--', path], env=env)
        except GitError as exc:
            raise GitError('%s: cannot create a bare repository at %s: %s' % (where, path, exc.reason or exc.msg),
                           reason=exc.reason, **exc.details)
        return cls(path, env)

    @classmethod
    def working_clone(cls, url, path, env=None, where='url'):
        """The clone at ``path`` reused (origin set to ``url``), else made without checkout."""
        validate_url(url, where)
        if not os.path.exists(path):
            return cls.clone(url, path, env, where, checkout=False)
        if not os.path.isdir(os.path.join(path, '.git')):
            run_git(['init', '--quiet', '--', path], env=env)
        repo = cls(path, env, url)
        current = repo._run(['config', '--get', 'remote.origin.url'], check=False)
        if current.rc != 0 or current.text.strip() != url:
            repo._run(['remote', 'add' if current.rc != 0 else 'set-url', '--', 'origin', url])
        return repo

    @classmethod
    def mirror(cls, url, path, update=True, env=None, where='url'):
        """A bare mirror of ``url`` at ``path``: cloned when absent (atomically: concurrent runs
        share it), else fetched when ``update``; its HEAD follows the remote's."""
        validate_url(url, where)
        if not os.path.isdir(path):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            temporary = tempfile.mkdtemp(prefix='.clone-', dir=os.path.dirname(os.path.abspath(path)))
            try:
                cls.clone(url, temporary, env, where, mirror=True)
                try:
                    os.rename(temporary, path)
                except OSError:
                    if not os.path.isdir(path):  # else another run cloned it meanwhile
                        raise
            finally:
                shutil.rmtree(temporary, ignore_errors=True)
            return cls(path, env, url)
        repo = cls(path, env, url)
        if update:
            repo.fetch(prune=True, force=True, tags=True)
            head = repo.ls_remote(['HEAD'])['head']
            if head and repo.resolve_branch(head):
                repo._run(['symbolic-ref', 'HEAD', 'refs/heads/' + head])
        return repo

    def ls_remote(self, patterns=()):
        """ls_remote of origin, limited to ``patterns`` (e.g. ['HEAD']) when given."""
        for pattern in patterns:
            validate_ref(pattern, 'ls-remote pattern')
        return parse_ls_remote(self._run(['ls-remote', '--symref', '--', 'origin'] + list(patterns)).text)

    def fetch(self, refspecs=(), prune=False, force=False, tags=None):
        """``git fetch origin refspecs``; ``tags``: True fetches all tags, False none, None git's default."""
        options = ['--quiet'] + ['--prune'] * prune + ['--force'] * force
        options += [] if tags is None else ['--tags'] if tags else ['--no-tags']
        self._run(['fetch'] + options + ['--', 'origin'] + list(refspecs))

    def fetch_branches(self, branches):
        """Fetch ``branches`` of origin into refs/remotes/origin/, without tags."""
        self.fetch(['+refs/heads/%s:refs/remotes/origin/%s' % (validate_branch(b), b) for b in branches], tags=False)

    def push(self, refspecs, force_with_lease=None):
        """Push ``refspecs`` (``src:dst``) to origin; ``force_with_lease=(ref, commit or None: absent)`` lets that
        ref move only from there. Rejected refs: a GitError whose ``rejected`` detail lists them."""
        refspecs = [refspecs] if isinstance(refspecs, str) else list(refspecs)
        for spec in refspecs:
            for side in spec.split(':', 1):
                validate_ref(side, 'push refspec %s' % spec)
        options = ['--porcelain'] + _lease_options(force_with_lease)
        result = self._run(['push'] + options + ['--', 'origin'] + refspecs, check=False)
        pushed = [dict(zip(('flag', 'ref', 'summary'), line.split('\t') + [''])) for line in result.text.splitlines() if '\t' in line]
        rejected = ['%s %s' % (ref['ref'], ref['summary']) for ref in pushed if ref['flag'] == '!']
        if result.rc != 0 or rejected:
            stderr = result.stderr.decode('utf-8', 'replace')
            reason = '; '.join(rejected) or _one_line(stderr) or 'no output'
            raise GitError('git push failed (rc=%s): %s' % (result.rc, reason), reason=reason, command=['git', 'push'] + options + ['--', 'origin'] + refspecs,
                           rc=result.rc, stderr=stderr[-TAIL_CHARS:], rejected=rejected)
        return pushed

    def _peel(self, names):
        """The commit each name resolves to, or None; names go on stdin, never as options."""
        output = self._run(['cat-file', '--batch-check'], input_data=''.join('%s^{commit}\n' % name for name in names)).text
        return [fields[0] if len(fields) == 3 and fields[1] == 'commit' else None for fields in map(str.split, output.splitlines())]

    def resolve(self, ref, where='ref'):
        """(commit id, what matched) for branch ``refs/heads/X``, tag ``refs/tags/X`` or commit id (4+ digits), or None."""
        candidates = ['refs/heads/' + validate_ref(ref, where), 'refs/tags/' + ref] + ([ref] if _ABBREV_RE.match(ref) else [])
        return next(((commit, name) for name, commit in zip(candidates, self._peel(candidates)) if commit), None)

    def resolve_branch(self, branch):
        """The commit of local branch ``branch``, or None."""
        return self._peel(['refs/heads/' + validate_branch(branch)])[0]

    def has_commit(self, commit):
        """Whether commit ``commit`` (a full id) is here."""
        try:
            return is_commit_id(commit) and self.objects.odb.info(bytes.fromhex(commit))[1] == b'commit'
        except Exception:  # pylint: disable=broad-except  # gitdb and git raise various errors for a missing object
            return False

    def _ref_names(self, prefix):
        output = self._run(['for-each-ref', '--format=%(refname)', prefix]).text
        return sorted(line[len(prefix):] for line in output.splitlines() if line.startswith(prefix))

    def branches(self):
        """The local branch names, sorted."""
        return self._ref_names('refs/heads/')

    def tags(self):
        return self._ref_names('refs/tags/')

    def remote_branches(self):
        """The branches of origin fetched here (refs/remotes/origin/, without HEAD)."""
        return [name for name in self._ref_names('refs/remotes/origin/') if name != 'HEAD']

    def head_branch(self):
        """The branch HEAD points to (None when detached)."""
        output = self._run(['symbolic-ref', '--quiet', 'HEAD'], check=False).text.strip()
        return output[len('refs/heads/'):] if output.startswith('refs/heads/') else None

    def default_branch(self):
        """The default branch of this repository by the module's rule (None if it cannot tell)."""
        return choose_default_branch(self.head_branch(), self.branches())

    def is_ancestor(self, ancestor, descendant):
        """True/False, or None when git cannot tell (a commit is missing)."""
        args = ['merge-base', '--is-ancestor', '--', validate_commit(ancestor, 'ancestor'), validate_commit(descendant, 'descendant')]
        rc = self._run(args, check=False).rc
        return {0: True, 1: False}.get(rc)

    @property
    def objects(self):
        """The GitPython Repo, for reading objects."""
        if self._objects is None:
            if not HAS_GITPYTHON:
                raise GitError('GitPython is required for git repositories: %s' % GITPYTHON_IMPORT_ERROR)
            try:
                self._objects = gitpython.Repo(self.path)
            except (gitpython.exc.InvalidGitRepositoryError, gitpython.exc.NoSuchPathError) as exc:
                raise GitError('%s is not a git repository: %s' % (self.path, exc), path=self.path)
        return self._objects

    def _read_object(self, sha, kind):
        try:
            stream = self.objects.odb.stream(bytes.fromhex(sha))
            data = stream.read()
        except (ValueError, TypeError, gitpython.exc.GitError) as exc:
            raise GitError('%s: no %s %s: %s' % (self.url or self.path, kind, sha, exc), object=sha)
        if stream.type != kind.encode():
            raise GitError('%s: object %s is a %s, not a %s' % (self.url or self.path, sha, stream.type.decode(), kind), object=sha)
        return data

    def commit_info(self, commit):
        """{sha, tree, parents, message, author_name, author_email, authored_date} of ``commit``."""
        self._read_object(validate_commit(commit), 'commit')
        found = self.objects.commit(commit)
        return {'sha': found.hexsha, 'tree': found.tree.hexsha, 'parents': [p.hexsha for p in found.parents],
                'message': found.message, 'author_name': found.author.name, 'author_email': found.author.email,
                'authored_date': found.authored_date}

    def list_tree(self, tree):
        """{name: TreeEntry} of tree object ``tree`` (an id), in git's order."""
        entries = self._trees.get(tree)
        if entries is None:
            data = self._read_object(tree, 'tree')
            entries = collections.OrderedDict(
                (name, TreeEntry(name, mode, binsha.hex())) for binsha, mode, name in tree_entries_from_data(data))
            self._trees[tree] = entries
        return entries

    def read_blob(self, blob):
        """The bytes of blob ``blob`` (an id)."""
        return self._read_object(blob, 'blob')

    def symlink_target(self, entry):
        """The target of a symlink entry, as text."""
        return self.read_blob(entry.sha).decode('utf-8', 'replace')

    def entry(self, commit, path):
        """The TreeEntry at ``path`` in ``commit`` ('': the root tree; symlinks not followed), or None."""
        current = TreeEntry('', TREE_MODE, self.commit_info(commit)['tree'])
        for part in [p for p in (path or '').split('/') if p not in ('', '.')]:
            if part == '..' or not current.is_tree:
                return None
            current = self.list_tree(current.sha).get(part)
            if current is None:
                return None
        return current

    def read_file(self, commit, path):
        """The bytes of file ``path`` at ``commit``, or None when it is not a file there."""
        found = self.entry(commit, path)
        return self.read_blob(found.sha) if found is not None and found.kind == 'blob' else None

    def commit_files(self, parent, files, message):
        """The id of a new commit on ``parent`` (None: a root commit) changing ``files`` ({path: bytes, None to
        delete}; modes kept). Nothing is checked out, no ref moves."""
        if parent:
            validate_commit(parent, 'parent')
        index_dir = tempfile.mkdtemp(prefix='casa-git-index-')
        env = {'GIT_INDEX_FILE': os.path.join(index_dir, 'index')}
        try:
            if parent:
                self._run(['read-tree', parent], env=env)
            records = []
            for path, data in sorted(files.items()):
                path = validate_path(path)
                if data is None:
                    records.append('0 %s\t%s' % ('0' * 40, path))
                    continue
                blob = self._run(['hash-object', '-w', '--stdin'], input_data=data).text.strip()
                old = self.entry(parent, path) if parent else None
                mode = old.mode if old is not None and old.is_file else 0o100644
                records.append('%o %s\t%s' % (mode, blob, path))
            self._run(['update-index', '-z', '--index-info'], env=env, input_data=''.join(r + '\0' for r in records))
            tree = self._run(['write-tree'], env=env).text.strip()
            return self._run(['commit-tree', tree] + (['-p', parent] if parent else []), input_data=message).text.strip()
        finally:
            shutil.rmtree(index_dir, ignore_errors=True)

    def tag(self, name, commit, message, force=True):
        """Create (``force``: or move) annotated tag ``name`` on ``commit``."""
        target = [validate_ref(name, 'tag', 'tag'), validate_commit(commit)]
        self._run(['tag', '--annotate'] + ['--force'] * force + ['--message=%s' % message, '--'] + target)

    def checkout_branch(self, branch, start=None):
        """Make ``branch`` current at ``start`` (ref or commit), files checked out; no ``start``: orphan, no files."""
        validate_branch(branch)
        if start:
            self._run(['checkout', '--quiet', '--force', '-B', branch, validate_ref(start, 'start point'), '--'])
            return
        self._run(['symbolic-ref', 'HEAD', 'refs/heads/' + branch])
        self._run(['read-tree', '--empty'])
        for item in os.listdir(self.path):
            if item != '.git':
                full = os.path.join(self.path, item)
                (shutil.rmtree if os.path.isdir(full) and not os.path.islink(full) else os.unlink)(full)

    def stage_all(self):
        """``git add -A``; the paths that differ from HEAD, sorted."""
        self._run(['add', '-A'])
        output = self._run(['status', '--porcelain', '-z', '--no-renames']).stdout.decode('utf-8', 'replace')
        return sorted(item[3:] for item in output.split('\0') if item.strip())

    def commit_staged(self, message):
        """Commit what is staged (no hooks) on the current branch; the new commit id."""
        self._run(['commit', '--quiet', '--no-verify', '--allow-empty-message', '--file=-'], input_data=message)
        return self._run(['rev-parse', 'HEAD']).text.strip()
