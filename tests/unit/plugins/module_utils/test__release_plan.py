# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic of _release_plan: versions, version files, rules, plan file, decisions, reports."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.casa.distro.plugins.module_utils import _release_plan as rp
from ansible_collections.casa.distro.plugins.module_utils._release_plan import ReleasePlanError, Version

BF = 'b' * 40
LR = 'a' * 40
OTHER = 'c' * 40

CMAKE = '''# comment
set( BRAINVISA_PACKAGE_NAME soma-base )
set( BRAINVISA_PACKAGE_VERSION_MAJOR 5 )
set( BRAINVISA_PACKAGE_VERSION_MINOR 1 )
set( BRAINVISA_PACKAGE_VERSION_PATCH 2 )
'''

INFO_PY = '''# info
version_major = 1
version_minor = 10
version_micro = 0
version_extra = ''
'''

PYPROJECT = '''[build-system]
requires = ["setuptools"]
version = "9.9.9"

[project]
name = "thing"
version = "0.3.0"  # the version

[tool.other]
version = "7"
'''


# ------------------------------------------------------------------ versions
@pytest.mark.parametrize('low, high', [
    ('1.9', '1.10'),
    ('1.2.3', '1.2.4'),
    ('1.2', '1.2.1'),
    ('1.2.3rc1', '1.2.3'),
    ('1.2.3rc2', '1.2.3rc10'),
    ('0.9.9', '1.0'),
    ('5.1.2', '5.1.10'),
])
def test_version_order(low, high):
    assert Version(low) < Version(high)
    assert Version(high) > Version(low)
    assert Version(low) != Version(high)


def test_version_equality_ignores_trailing_zeros():
    assert Version('1.2') == Version('1.2.0')
    assert Version('v1.2.0') == Version('1.2')
    assert len({Version('1.2'), Version('1.2.0')}) == 1


@pytest.mark.parametrize('text, bumped', [('1.2.3', '1.2.4'), ('1.2', '1.2.1'), ('5', '5.0.1'), ('1.2.3rc1', '1.2.4'),
                                          ('1.2.3.4', '1.2.3.5')])
def test_version_bump(text, bumped):
    assert str(Version(text).bump()) == bumped


@pytest.mark.parametrize('text', ['', 'abc', '1..2', '1.2.', None, 1.2])
def test_version_rejects_garbage(text):
    with pytest.raises(ValueError):
        Version(text)


def test_parse_version_names_where():
    with pytest.raises(ReleasePlanError, match='plan.yml: x.planned_version'):
        rp.parse_version('one', 'plan.yml: x.planned_version')


# ------------------------------------------------------------------ version files
def test_cmake_read_and_rewrite_keeps_the_rest():
    assert rp.read_version('project_info.cmake', CMAKE) == Version('5.1.2')
    text = rp.write_version('project_info.cmake', CMAKE, Version('5.2.0'))
    assert rp.read_version('project_info.cmake', text) == Version('5.2.0')
    assert text.replace('5 )\nset( BRAINVISA_PACKAGE_VERSION_MINOR 2 )\nset( BRAINVISA_PACKAGE_VERSION_PATCH 0', 'X') == \
        CMAKE.replace('5 )\nset( BRAINVISA_PACKAGE_VERSION_MINOR 1 )\nset( BRAINVISA_PACKAGE_VERSION_PATCH 2', 'X')


def test_cmake_missing_key_named():
    with pytest.raises(ReleasePlanError, match='project_info.cmake: no set\\(BRAINVISA_PACKAGE_VERSION_PATCH'):
        rp.read_version('project_info.cmake', CMAKE.replace('PATCH', 'OTHER'))


def test_info_py_read_and_rewrite():
    assert str(rp.read_version('python/soma/info.py', INFO_PY)) == '1.10.0'
    text = rp.write_version('python/soma/info.py', INFO_PY, Version('1.10.1'))
    assert 'version_micro = 1\n' in text and "version_extra = ''" in text and 'version_minor = 10\n' in text
    # Two numbers are padded to three, as brainvisa-cmake did.
    assert 'version_micro = 0' in rp.write_version('info.py', INFO_PY, Version('2.0'))


def test_info_py_refuses_four_numbers():
    with pytest.raises(ReleasePlanError, match='does not fit'):
        rp.write_version('info.py', INFO_PY, Version('1.2.3.4'))


def test_pyproject_reads_the_project_table_only():
    assert rp.read_version('pyproject.toml', PYPROJECT) == Version('0.3.0')
    text = rp.write_version('pyproject.toml', PYPROJECT, Version('0.3.1'))
    assert 'version = "0.3.1"  # the version' in text
    assert 'version = "9.9.9"' in text and 'version = "7"' in text


def test_pyproject_dynamic_version_is_not_a_version_file():
    with pytest.raises(ReleasePlanError, match='no static version'):
        rp.read_version('pyproject.toml', '[project]\nname = "x"\ndynamic = ["version"]\n')


def test_plain_version_file():
    assert rp.read_version('VERSION', '2.0\n') == Version('2.0')
    assert rp.write_version('VERSION', '2.0\n', Version('2.0.1')) == '2.0.1\n'
    with pytest.raises(ReleasePlanError, match='VERSION'):
        rp.read_version('VERSION', 'not a version\n')


def test_candidates_follow_brainvisa_cmake_order():
    root = {'project_info.cmake', 'info.py', 'pyproject.toml', 'VERSION', 'python', 'pkg'}
    subdirs = {'python': {'soma'}, 'python/soma': {'info.py'}, 'pkg': {'info.py'}}
    assert rp.version_file_candidates(root, subdirs) == [
        'project_info.cmake', 'python/soma/info.py', 'pkg/info.py', 'info.py', 'pyproject.toml', 'VERSION']


def test_detect_skips_files_without_a_version():
    files = {'pyproject.toml': '[project]\ndynamic = ["version"]\n', 'VERSION': '3.1\n'}
    path, version = rp.detect_version_file(['pyproject.toml', 'VERSION'], files.__getitem__)
    assert (path, version) == ('VERSION', Version('3.1'))


def test_detect_reports_every_reason():
    with pytest.raises(ReleasePlanError, match='no usable version file: VERSION'):
        rp.detect_version_file(['VERSION'], lambda path: 'garbage words\n')
    with pytest.raises(ReleasePlanError, match='no version file found'):
        rp.detect_version_file([], lambda path: '')


# ------------------------------------------------------------------ inputs
def test_components_defaults_and_validation():
    data = {'defaults': {'latest_release_branch': 'release', 'tag_format': 'v{version}'},
            'components': [{'name': 'soma-base', 'project': 'soma', 'url': 'git@x:soma-base.git'},
                           {'name': 'aims', 'url': 'git@x:aims.git', 'latest_release_branch': 'lr'}]}
    found = rp.parse_components(data, 'components.yml')
    assert [c.name for c in found] == ['soma-base', 'aims']
    assert found[0].latest_release_branch == 'release' and found[1].latest_release_branch == 'lr'
    assert found[1].project == 'aims' and found[0].bug_fix_branch is None
    assert found[0].tag_name('1.2.3') == 'v1.2.3'


def test_components_mapping_form():
    found = rp.parse_components({'components': {'a': {'url': 'u'}}}, 'c.yml')
    assert found[0].name == 'a' and found[0].url == 'u'


@pytest.mark.parametrize('data, message', [
    ({'components': [{'name': 'a'}]}, r'c.yml: components\[0\]: missing url'),
    ({'components': [{'name': 'a', 'url': 'u', 'branch': 'x'}]}, r'components\[0\]: unknown key\(s\) branch; valid: name'),
    ({'components': [{'name': 'a', 'url': 'u'}, {'name': 'a', 'url': 'v'}]}, 'component a is listed twice'),
    ({'components': [{'name': 'a', 'url': 'u', 'tag_format': 'v{x}'}]}, 'tag_format .* must contain {version}'),
    ({'components': [{'name': 'a', 'url': 'u', 'version_file': 3}]}, 'version_file must be a string, got 3'),
    ({'comps': []}, 'expected a mapping with a components key'),
    ({'components': [], 'extra': 1}, r'unknown top-level key\(s\) extra'),
])
def test_components_errors_name_file_and_key(data, message):
    with pytest.raises(ReleasePlanError, match=message):
        rp.parse_components(data, 'c.yml')


def test_select_components_patterns_and_unknown():
    components = rp.parse_components({'components': [{'name': n, 'url': n} for n in ('soma-base', 'soma-io', 'aims')]})
    assert [c.name for c in rp.select_components(components, ['aims', 'soma-*'])] == ['soma-base', 'soma-io', 'aims']
    with pytest.raises(ReleasePlanError, match="'nope' matches no component.*known: soma-base, soma-io, aims"):
        rp.select_components(components, ['nope'])


def test_decisions():
    decisions = rp.parse_decisions({'ignore': {'component': ['a'], 'projects': 'p'}}, 'd.yml')
    assert decisions.ignores(rp.Component('a', 'u', 'x'))
    assert decisions.ignores(rp.Component('b', 'u', 'p'))
    assert not decisions.ignores(rp.Component('b', 'u', 'q'))
    assert not rp.parse_decisions(None).ignores(rp.Component('a', 'u'))
    with pytest.raises(ReleasePlanError, match='d.yml: ignore: unknown key branch'):
        rp.parse_decisions({'ignore': {'branch': ['x']}}, 'd.yml')
    with pytest.raises(ReleasePlanError, match='d.yml: unknown key'):
        rp.parse_decisions({'skip': {}}, 'd.yml')


# ------------------------------------------------------------------ rules
def facts(bf_version='1.2.3', lr_version='1.2.3', bf_commit=BF, lr_commit=LR, tags=None, in_bf=True, errors=None):
    return {'default_branch': 'main', 'version_file': 'project_info.cmake', 'tags': tags or {},
            'bug_fix': {'branch': 'main', 'commit': bf_commit, 'version': bf_version},
            'latest_release': {'branch': 'latest_release', 'commit': lr_commit, 'version': lr_version},
            'latest_release_in_bug_fix': in_bf, 'errors': errors or []}


COMPONENT = rp.Component('soma-base', 'https://example.org/soma-base.git', 'soma')


def kinds(entry):
    return [a['action'] for a in entry['actions']]


def test_identical_commits_nothing_to_do():
    entry = rp.evaluate(COMPONENT, facts(bf_commit=LR))
    assert entry['actions'] == [] and entry['state'] == 'nothing'
    assert 'identical' in entry['info'][0]


def test_equal_versions_bump_the_patch():
    entry = rp.evaluate(COMPONENT, facts())
    assert entry['planned_version'] == entry['proposed_version'] == '1.2.4'
    assert kinds(entry) == ['tag', 'set_version', 'set_branch']
    tag, bump, branch = entry['actions']
    assert tag == {'action': 'tag', 'tag': '1.2.3', 'commit': LR, 'status': 'pending'}
    assert bump['from_version'] == '1.2.3' and bump['version'] == '1.2.4' and bump['parent'] == BF
    assert bump['file'] == 'project_info.cmake' and bump['branch'] == 'main'
    assert branch['from_commit'] == LR and branch['branch'] == 'latest_release' and branch['source'] == 'main'
    assert entry['state'] == 'todo' and entry['errors'] == [] and entry['warnings'] == []


def test_bug_fix_ahead_keeps_its_version():
    entry = rp.evaluate(COMPONENT, facts(bf_version='1.3.0'))
    assert entry['planned_version'] == '1.3.0'
    assert kinds(entry) == ['tag', 'set_branch']


def test_latest_release_newer_is_an_error():
    entry = rp.evaluate(COMPONENT, facts(bf_version='1.2.3', lr_version='1.10.0'))
    assert entry['state'] == 'error' and entry['actions'] == []
    assert entry['errors'] == ['latest_release version 1.10.0 is higher than bug_fix version 1.2.3']


def test_tag_on_another_commit_is_an_error():
    entry = rp.evaluate(COMPONENT, facts(tags={'1.2.3': OTHER}))
    assert entry['state'] == 'error' and entry['actions'] == []
    assert 'tag 1.2.3 already exists on commit cccccccccc' in entry['errors'][0]


def test_tag_already_on_latest_release_is_not_redone():
    entry = rp.evaluate(COMPONENT, facts(tags={'1.2.3': LR}))
    assert kinds(entry) == ['set_version', 'set_branch']
    assert entry['version_tag'] == {'name': '1.2.3', 'commit': LR}


def test_missing_latest_release_is_created():
    entry = rp.evaluate(COMPONENT, facts(lr_commit=None, lr_version=None))
    assert kinds(entry) == ['set_branch'] and entry['actions'][0]['from_commit'] is None
    assert entry['planned_version'] == '1.2.3' and entry['state'] == 'todo'


def test_diverged_latest_release_is_a_warning():
    entry = rp.evaluate(COMPONENT, facts(in_bf=False))
    assert entry['state'] == 'warning' and 'has commits that bug_fix' in entry['warnings'][0]


def test_existing_tag_of_planned_version_is_a_warning():
    entry = rp.evaluate(COMPONENT, facts(tags={'1.2.4': OTHER}))
    assert entry['state'] == 'warning' and 'tag 1.2.4 of the planned version' in entry['warnings'][0]


def test_inspection_errors_are_kept():
    entry = rp.evaluate(COMPONENT, facts(errors=['cannot read remote x: denied']))
    assert entry['state'] == 'error' and entry['errors'] == ['cannot read remote x: denied']


def test_tag_format_is_used():
    component = rp.Component('a', 'u', tag_format='v{version}')
    assert rp.evaluate(component, facts())['actions'][0]['tag'] == 'v1.2.3'


def test_update_keeps_a_hand_edited_planned_version():
    previous = rp.evaluate(COMPONENT, facts())
    previous['planned_version'] = '1.3.0'
    entry = rp.evaluate(COMPONENT, facts(), previous)
    assert entry['planned_version'] == '1.3.0' and entry['proposed_version'] == '1.2.4'
    assert entry['actions'][1]['version'] == '1.3.0'
    assert any('set by hand' in line for line in entry['info'])
    # Once the branches' versions changed, the old hand-made choice no longer applies.
    moved = rp.evaluate(COMPONENT, facts(bf_version='1.4.0'), previous)
    assert moved['planned_version'] == '1.4.0' and any('dropped' in line for line in moved['info'])


@pytest.mark.parametrize('planned, message', [('1.2.3', 'must be higher than latest_release version 1.2.3'),
                                              ('1.0', 'lower than bug_fix version'),
                                              (1.3, 'must be a quoted string')])
def test_bad_hand_edited_version_is_an_error(planned, message):
    previous = rp.evaluate(COMPONENT, facts())
    previous['planned_version'] = planned
    entry = rp.evaluate(COMPONENT, facts(), previous)
    assert entry['state'] == 'error' and message in ' '.join(entry['errors'])


def test_actions_match_detects_a_manual_edit_without_update():
    entry = rp.evaluate(COMPONENT, facts())
    assert rp.actions_match(entry)
    entry['actions'][0]['status'] = 'done'
    assert rp.actions_match(entry)
    entry['planned_version'] = '2.0.0'
    assert not rp.actions_match(entry)


def test_component_state_done_after_all_actions():
    entry = rp.evaluate(COMPONENT, facts(in_bf=False))
    for action in entry['actions']:
        action['status'] = 'done'
    assert rp.component_state(entry) == 'done'
    assert rp.component_state(rp.ignored_entry(COMPONENT)) == 'ignored'


# ------------------------------------------------------------------ plan file
def make_plan():
    plan = rp.new_plan()
    rp.set_entry(plan, 'soma', 'soma-io', rp.evaluate(rp.Component('soma-io', 'u2', 'soma'), facts()))
    rp.set_entry(plan, 'aims', 'aims-free', rp.evaluate(rp.Component('aims-free', 'u1', 'aims'), facts(bf_commit=LR)))
    rp.set_entry(plan, 'soma', 'soma-base', rp.evaluate(COMPONENT, facts(bf_version='1.3')))
    return plan


def test_plan_ordering_is_stable_and_sorted():
    plan = make_plan()
    assert [(p, n) for p, n, e in rp.plan_entries(plan)] == [('aims', 'aims-free'), ('soma', 'soma-base'), ('soma', 'soma-io')]
    text = rp.dump_plan(plan)
    assert text.index('aims-free') < text.index('soma-base') < text.index('soma-io')
    assert text.startswith('schema_version: 1\ngenerator: casa.distro.casa_release_plan\nprojects:\n')
    entry_keys = [line.strip().split(':')[0] for line in text.split('soma-io:')[1].splitlines()[1:13]]
    assert entry_keys == ['url', 'state', 'version_file', 'bug_fix', 'branch', 'commit', 'version', 'latest_release',
                          'branch', 'commit', 'version', 'version_tag']
    # Another insertion order gives the same bytes.
    other = rp.new_plan()
    for project, name, entry in reversed(list(rp.plan_entries(plan))):
        rp.set_entry(other, project, name, entry)
    assert rp.dump_plan(other) == text


def test_plan_round_trip_keeps_versions_as_strings(tmp_path):
    plan = make_plan()
    path = str(tmp_path / 'plan.yml')
    rp.atomic_write(path, rp.dump_plan(plan))
    loaded = rp.load_plan(path)
    assert loaded == rp.sorted_plan(plan)
    assert loaded['projects']['soma']['soma-base']['planned_version'] == '1.3'
    assert [a['status'] for a in loaded['projects']['soma']['soma-io']['actions']] == ['pending'] * 3
    assert os.listdir(str(tmp_path)) == ['plan.yml']  # no temporary file left behind


def test_set_entry_moves_a_component_between_projects():
    plan = make_plan()
    rp.set_entry(plan, 'aims', 'soma-io', plan['projects']['soma']['soma-io'])
    assert sorted(plan['projects']['soma']) == ['soma-base'] and sorted(plan['projects']['aims']) == ['aims-free', 'soma-io']


@pytest.mark.parametrize('edit, message', [
    (lambda d: d.update(schema_version=2), 'schema_version is 2'),
    (lambda d: d['projects']['soma']['soma-io'].update(planned_version=1.3), r'projects.soma.soma-io.planned_version must be a quoted string, got 1.3'),
    (lambda d: d['projects']['soma']['soma-io'].update(planned_version='x.y'), r"projects.soma.soma-io.planned_version: 'x.y' is not a version"),
    (lambda d: d['projects']['soma']['soma-io']['actions'][0].update(status='ok'), r'actions\[0\]: status must be one of pending, done'),
    (lambda d: d['projects']['soma']['soma-io']['actions'][0].update(action='merge'), r'actions\[0\]: action must be one of tag'),
    (lambda d: d['projects']['soma']['soma-io'].pop('bug_fix'), 'missing key bug_fix'),
])
def test_plan_validation_names_the_key(tmp_path, edit, message):
    data = yaml.safe_load(rp.dump_plan(make_plan()))
    edit(data)
    path = tmp_path / 'plan.yml'
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ReleasePlanError, match=message):
        rp.load_plan(str(path))


def test_missing_plan_file_says_create(tmp_path):
    with pytest.raises(ReleasePlanError, match='does not exist; make it with command=create'):
        rp.load_plan(str(tmp_path / 'none.yml'))


def test_atomic_write_keeps_mode(tmp_path):
    path = tmp_path / 'plan.yml'
    path.write_text('old')
    os.chmod(str(path), 0o640)
    rp.atomic_write(str(path), 'new')
    assert path.read_text() == 'new' and (os.stat(str(path)).st_mode & 0o777) == 0o640


# ------------------------------------------------------------------ reports and git output
def test_reports_colour_rows_by_state():
    plan = make_plan()
    rp.set_entry(plan, 'aims', 'broken', rp.evaluate(rp.Component('broken', 'u'), facts(lr_version='9.0')))
    page = rp.render_html(plan, 'Release <5.2>')
    assert '<title>Release &lt;5.2&gt;</title>' in page
    assert '<tr class="error" style="background-color: #d50000">' in page
    assert '<tr class="todo" style="background-color: #a5d6a7">' in page
    assert '<tr class="nothing" style="background-color: #b0bec5">' in page
    markdown = rp.render_markdown(plan)
    assert '| aims | broken | error |' in markdown and 'error: 1, warning: 0, todo: 2' in markdown


def test_parse_ls_remote():
    text = ('ref: refs/heads/main\tHEAD\n%s\tHEAD\n%s\trefs/heads/main\n%s\trefs/heads/latest_release\n'
            '%s\trefs/tags/1.0\n%s\trefs/tags/1.0^{}\n%s\trefs/tags/light\n' % (BF, BF, LR, OTHER, LR, BF))
    found = rp.parse_ls_remote(text)
    assert found == {'head': 'main', 'heads': {'main': BF, 'latest_release': LR}, 'tags': {'1.0': LR, 'light': BF}}
    remote = rp.parse_ls_remote('%s\trefs/heads/master\n' % BF)
    assert rp.default_branch(remote, 'u') == 'master'
    with pytest.raises(ReleasePlanError, match='set bug_fix_branch'):
        rp.default_branch(rp.parse_ls_remote('%s\trefs/heads/main\n%s\trefs/heads/master\n' % (BF, LR)), 'u')


def test_dump_plan_cache_gives_the_same_text():
    plan = make_plan()
    cache = {}
    text = rp.dump_plan(plan, cache)
    assert sorted(cache) == [('aims', 'aims-free'), ('soma', 'soma-base'), ('soma', 'soma-io')]
    assert rp.dump_plan(plan, cache) == text == rp.dump_plan(plan)
    plan['projects']['soma']['soma-io']['actions'][0]['status'] = 'done'
    cache.pop(('soma', 'soma-io'))
    assert rp.dump_plan(plan, cache) == rp.dump_plan(plan) != text
    assert rp.dump_plan(rp.new_plan()) == 'schema_version: 1\ngenerator: casa.distro.casa_release_plan\nprojects: {}\n'


# ------------------------------------------------------------------ apply checks (before any git)
def applier(plan, ignore_warnings=False):
    return rp.Applier(plan, 'plan.yml', 'work', {}, check_mode=True, ignore_warnings=ignore_warnings)


def test_apply_errors_always_block():
    plan = make_plan()
    rp.set_entry(plan, 'aims', 'broken', rp.evaluate(rp.Component('broken', 'u'), facts(lr_version='9.0')))
    for ignore in (False, True):
        with pytest.raises(ReleasePlanError, match='aims/broken: error: latest_release version 9.0 is higher') as caught:
            applier(plan, ignore).validate()
        assert caught.value.details['problems'] == ['aims/broken: error: latest_release version 9.0 is higher than bug_fix version 1.2.3']


def test_apply_warnings_block_unless_ignored():
    plan = make_plan()
    rp.set_entry(plan, 'aims', 'diverged', rp.evaluate(rp.Component('diverged', 'u'), facts(in_bf=False)))
    with pytest.raises(ReleasePlanError, match='aims/diverged: warning: .* \\(set ignore_warnings to proceed\\)'):
        applier(plan).validate()
    applier(plan, ignore_warnings=True).validate()
    # Once its actions are done, a component's warnings no longer block.
    for action in plan['projects']['aims']['diverged']['actions']:
        action['status'] = 'done'
    applier(plan).validate()


def test_apply_refuses_stale_actions_and_lists_pending():
    plan = make_plan()
    plan['projects']['soma']['soma-io']['planned_version'] = '1.3.0'
    with pytest.raises(ReleasePlanError, match='soma/soma-io: its actions do not match its planned_version 1.3.0'):
        applier(plan).validate()
    plan['projects']['soma']['soma-io']['planned_version'] = '1.2.4'
    assert [(p, n) for p, n, e in applier(plan).pending()] == [('soma', 'soma-base'), ('soma', 'soma-io')]


def test_plan_with_error_and_ignored_entries_loads_back(tmp_path):
    plan = make_plan()
    broken = rp.evaluate(rp.Component('broken', 'u'), {'bug_fix': {'branch': None}, 'errors': ['cannot read remote u: denied']})
    rp.set_entry(plan, 'aims', 'broken', broken)
    rp.set_entry(plan, 'legacy', 'old', rp.ignored_entry(rp.Component('old', 'u', 'legacy')))
    path = str(tmp_path / 'plan.yml')
    rp.atomic_write(path, rp.dump_plan(plan))
    loaded = rp.load_plan(path)
    assert loaded['projects']['aims']['broken']['state'] == 'error'
    assert loaded['projects']['legacy']['old']['state'] == 'ignored'
    with pytest.raises(ReleasePlanError, match='aims/broken: error: cannot read remote u: denied'):
        applier(loaded).validate()


# ------------------------------------------------------------------ moved remotes and adoption (remote state given)
BUMP = 'd' * 40


class FakeRemoteApplier(rp.Applier):
    """An Applier whose remotes are given: heads and tags per component, and whether bug_fix's
    head is this plan's own bump commit."""

    def __init__(self, plan, remotes, own_bumps=()):
        super().__init__(plan, 'plan.yml', 'work', {}, check_mode=True)
        self.remotes = remotes
        self.own_bumps = set(own_bumps)

    def _remote_states(self, pending):
        return dict((name, (self.remotes[name], None)) for dummy, name, dummy2 in pending)

    def _adopt_bump(self, name, entry, action, head):
        return head in self.own_bumps


def single_plan():
    plan = rp.new_plan()
    rp.set_entry(plan, 'soma', 'soma-io', rp.evaluate(rp.Component('soma-io', 'u', 'soma'), facts()))
    return plan


def test_unchanged_remote_is_accepted():
    plan = single_plan()
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': BF, 'latest_release': LR}, 'tags': {}}})
    applier_.check_remotes(applier_.pending())
    assert applier_.adopted == []


def test_moved_branch_is_refused_with_the_component_named():
    plan = single_plan()
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': OTHER, 'latest_release': LR}, 'tags': {}}})
    with pytest.raises(ReleasePlanError, match=r'moved since the plan was made: soma-io \(branch main: planned bbbbbbbbbb, now cccccccccc\)') as caught:
        applier_.check_remotes(applier_.pending())
    assert caught.value.details['moved'] == ['soma-io']


def test_tag_made_elsewhere_is_refused():
    plan = single_plan()
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': BF, 'latest_release': LR}, 'tags': {'1.2.3': OTHER}}})
    with pytest.raises(ReleasePlanError, match='tag 1.2.3: planned absent, now on cccccccccc'):
        applier_.check_remotes(applier_.pending())


def test_work_of_an_interrupted_run_is_adopted_not_redone():
    plan = single_plan()
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': BUMP, 'latest_release': BUMP}, 'tags': {'1.2.3': LR}}},
                                 own_bumps=[BUMP])
    applier_.check_remotes(applier_.pending())
    actions = plan['projects']['soma']['soma-io']['actions']
    assert [a['status'] for a in actions] == ['done', 'done', 'done']
    assert actions[1]['result_commit'] == BUMP and actions[2]['result_commit'] == BUMP
    assert len(applier_.adopted) == 3 and applier_.pending() == []


def test_latest_release_is_not_adopted_before_the_bump():
    plan = single_plan()
    actions = plan['projects']['soma']['soma-io']['actions']
    actions[1]['result_commit'] = BUMP  # recorded, but the bump itself is not known as done
    applier_ = FakeRemoteApplier(plan, {'soma-io': {'heads': {'main': OTHER, 'latest_release': BUMP}, 'tags': {}}})
    with pytest.raises(ReleasePlanError, match='soma-io'):
        applier_.check_remotes(applier_.pending())
    assert [a['status'] for a in actions] == ['pending', 'pending', 'pending']
