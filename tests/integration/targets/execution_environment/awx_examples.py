# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX examples of the collection (examples/awx), checked against what the playbook and the
roles read, and used the way AWX uses them.

Usage:
  python3 awx_examples.py check TOP
      job templates, surveys and credential types parse; one template per stage tag of
      playbooks/release.yml; every survey and injector variable is one the roles or the playbook
      read; injected environment variables are git's GIT_CONFIG_* and only hold file paths.
  python3 awx_examples.py inject TOP TYPE_FILE INPUTS_JSON FILE_DIR
      what a credential of that type injects, as AWX does it: writes its files into FILE_DIR
      and prints its extra variables and environment ({"extra_vars": ..., "env": ...}), the
      injector templates rendered with the credential's inputs.
"""

import json
import os
import re
import sys

import jinja2
import yaml

STAGES = ['provision', 'plan', 'images', 'sif', 'publish', 'subuser', 'workflows', 'package']
SURVEY_TYPES = {'text', 'textarea', 'password', 'integer', 'float', 'multiplechoice', 'multiselect'}
GIT_ENV_RE = re.compile(r'^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+)$')


class CheckError(Exception):
    """A finding, naming the file and the value."""


def load_yaml(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def role_variables(top):
    """Every variable of every role's argument specs, with its type."""
    found = {}
    roles = os.path.join(top, 'roles')
    for role in sorted(os.listdir(roles)):
        specs = load_yaml(os.path.join(roles, role, 'meta', 'argument_specs.yml'))['argument_specs']
        for entry in specs.values():
            for name, option in entry.get('options', {}).items():
                found[name] = option.get('type', 'str')
    return found


def playbook_variables(top):
    """The variables playbooks/release.yml reads itself (stage switches, casa_become)."""
    with open(os.path.join(top, 'playbooks', 'release.yml'), encoding='utf-8') as handle:
        text = handle.read()
    return set(re.findall(r'\b((?:casa|collection_package)_[a-z_]+)\s*\|', text))


def release_tags(top):
    tags = set()
    for play in load_yaml(os.path.join(top, 'playbooks', 'release.yml')):
        tags.update(play.get('tags', []))
    return tags


def check_survey(path, known):
    with open(path, encoding='utf-8') as handle:
        survey = json.load(handle)
    if not survey.get('spec'):
        raise CheckError('%s: no questions in spec' % path)
    for index, question in enumerate(survey['spec']):
        where = '%s: spec[%d]' % (path, index)
        for key in ('question_name', 'variable', 'type', 'required'):
            if key not in question:
                raise CheckError('%s: no %s' % (where, key))
        if question['type'] not in SURVEY_TYPES:
            raise CheckError('%s: type %r is not an AWX survey type' % (where, question['type']))
        if question['variable'] not in known:
            raise CheckError('%s: variable %r is read by no role nor the playbook' % (where, question['variable']))
        if question['type'] in ('multiplechoice', 'multiselect'):
            choices = question.get('choices') or []
            if str(question.get('default', '')) not in [''] + [str(c) for c in choices]:
                raise CheckError('%s: default %r is not among the choices' % (where, question['default']))
    return [q['variable'] for q in survey['spec']]


def check_credential_type(path, role_vars):
    ctype = load_yaml(path)
    fields = {field['id']: field for field in ctype['inputs']['fields']}
    secrets = {name for name, field in fields.items() if field.get('secret')}
    if not secrets:
        raise CheckError('%s: no secret input field' % path)
    injectors = ctype['injectors']
    for name, template in injectors.get('extra_vars', {}).items():
        if name not in role_vars:
            raise CheckError('%s: injected extra variable %r is read by no role' % (path, name))
        used = set(re.findall(r'{{\s*(\w+)\s*}}', template))
        if not used <= set(fields):
            raise CheckError('%s: %s uses undefined inputs %s' % (path, name, sorted(used - set(fields))))
    files = {key.split('.', 1)[1] for key in injectors.get('file', {})}
    for name, template in injectors.get('env', {}).items():
        if not GIT_ENV_RE.match(name):
            raise CheckError('%s: injected environment variable %r is not one git reads' % (path, name))
        # ansible-runner writes the job's environment into artifacts/ID/env.list: secrets stay in files.
        if set(re.findall(r'{{\s*(\w+)\s*}}', template)) & secrets:
            raise CheckError('%s: %s puts a secret in the environment' % (path, name))
        for ref in re.findall(r'tower\.filename\.(\w+)', template):
            if ref not in files:
                raise CheckError('%s: %s refers to file %r that no file injector writes' % (path, name, ref))
    return ctype['name']


def check(top):
    awx = os.path.join(top, 'examples', 'awx')
    role_vars = role_variables(top)
    known = set(role_vars) | playbook_variables(top)
    types = {}
    for name in sorted(os.listdir(os.path.join(awx, 'credential_types'))):
        types[check_credential_type(os.path.join(awx, 'credential_types', name), role_vars)] = name
    templates = load_yaml(os.path.join(awx, 'job_templates.yml'))['job_templates']
    tags = release_tags(top)
    seen = []
    for template in templates:
        where = 'job_templates.yml: %s' % template['name']
        if template['job_tags'] not in tags:
            raise CheckError('%s: job_tags %r is no tag of playbooks/release.yml' % (where, template['job_tags']))
        if not os.path.isfile(os.path.join(awx, 'project', template['playbook'])):
            raise CheckError('%s: playbook %r is not in project/' % (where, template['playbook']))
        for credential in template['credentials']:
            if credential not in types:
                raise CheckError('%s: credential %r has no type in credential_types/' % (where, credential))
        variables = check_survey(os.path.join(awx, template['survey_spec']), known)
        seen.append(template['job_tags'])
        print('%-10s %-16s %d survey variables, credentials %s' % (template['job_tags'], template['name'], len(variables), template['credentials']))
    if sorted(seen) != sorted(STAGES):
        raise CheckError('job_templates.yml: stages %s, expected one template for each of %s' % (sorted(seen), STAGES))
    print('%d job templates, %d credential types: ok' % (len(templates), len(types)))


def inject(type_file, inputs, file_dir):
    """What AWX injects for a credential of this type: file injectors written into file_dir
    (mode 0600), then the extra variables and environment rendered with the inputs and
    ``tower.filename``."""
    injectors = load_yaml(type_file)['injectors']
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    filenames = {}
    for key, template in injectors.get('file', {}).items():
        name = key.split('.', 1)[1]
        path = os.path.join(file_dir, name)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
            handle.write(env.from_string(template).render(**inputs))
        filenames[name] = path
    context = dict(inputs, tower={'filename': filenames})
    return {kind: {name: env.from_string(template).render(**context) for name, template in injectors.get(kind, {}).items()}
            for kind in ('extra_vars', 'env')}


def main(argv):
    try:
        if argv[1:2] == ['check'] and len(argv) == 3:
            check(argv[2])
        elif argv[1:2] == ['inject'] and len(argv) == 6:
            with open(argv[4], encoding='utf-8') as handle:
                inputs = json.load(handle)
            print(json.dumps(inject(argv[3], inputs, argv[5])))
        else:
            print(__doc__)
            return 2
    except (CheckError, OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as error:
        print('FAIL: %s: %s' % (type(error).__name__, error))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
