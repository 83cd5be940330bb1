# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes playbooks from the modules' EXAMPLES and the guides' plays, with the fixture
substitutions applied.

usage: extract_examples.py COLLECTION_DIR SUBSTITUTIONS WORK
For each module of the table, WORK/playbooks/<module>.yml runs its EXAMPLES as written, in their
order, on localhost, and WORK/playbooks/<module>.count holds how many tasks it has. For each
guide (docs/docsite/rst/<guide>.rst), WORK/playbooks/guide_<guide>.yml holds every YAML block of
the guide that is a play, in the guide's order. Fails when a substitution is not used or when a
placeholder path or host is left after substituting.
"""

import ast
import os
import re
import sys

import yaml

# What documented placeholders look like: paths of a production host, example.org hosts, and
# the directories a test must never write to.
PLACEHOLDER = re.compile(r'(/srv/|/var/www|/var/lib/casa-distro|/home/builder|/tmp/|example\.org)')
YAML_BLOCK = re.compile(r'^\.\. code-block:: yaml\n\n((?:(?: {4}.*)?\n)+)', re.MULTILINE)


def module_examples(path):
    tree = ast.parse(open(path).read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'EXAMPLES':
            return node.value.value
    sys.exit('%s: no EXAMPLES' % path)


def guide_plays(path):
    """The YAML blocks of a guide that are plays (lists of mappings with hosts), as one text."""
    plays = []
    for block in YAML_BLOCK.findall(open(path).read()):
        text = '\n'.join(line[4:] for line in block.splitlines())
        parsed = yaml.safe_load(text)
        if isinstance(parsed, list) and all(isinstance(p, dict) and 'hosts' in p for p in parsed):
            plays.append(text)
    return '\n'.join(plays)


def substitute(name, text, table, work):
    for old, new in table:
        if old not in text:
            sys.exit('%s: the substitution of %r is not used by its examples' % (name, old))
        text = text.replace(old, new.replace('@WORK@', work))
    # E-mail addresses (git authors) are values, not infrastructure; WORK is the fixtures'.
    checked = re.sub(r'[\w.-]+@[\w.-]+', '', text.replace(work, ''))
    left = sorted(set(PLACEHOLDER.findall(checked)))
    if left:
        sys.exit('%s: examples keep placeholders without a fixture: %s' % (name, ', '.join(left)))
    return text


def write_playbook(path, source, plays):
    with open(path, 'w') as stream:
        stream.write('---\n# Generated from %s.\n' % source)
        yaml.safe_dump(plays, stream, sort_keys=False, width=100)


def module_playbooks(collection, tables, work):
    for module, table in tables.items():
        source = os.path.join('plugins', 'modules', module + '.py')
        text = substitute(module, module_examples(os.path.join(collection, source)), table, work)
        tasks = yaml.safe_load(text)
        base = os.path.join(work, 'playbooks', module)
        write_playbook(base + '.yml', source + ' EXAMPLES', [{
            'name': 'The EXAMPLES of casa.distro.%s, as documented' % module,
            'hosts': 'localhost',
            'gather_facts': False,
            'vars_files': [os.path.join(work, 'vars.yml')],
            'module_defaults': {'casa.distro.subuser_repo': {
                # Not in the examples: keeps the images and git mirrors under this test's names.
                'image_prefix': 'casa-docsite-subuser/', 'cache_dir': os.path.join(work, 'cache')}},
            'tasks': tasks,
        }])
        with open(base + '.count', 'w') as stream:
            stream.write('%d\n' % len(tasks))
        print('%s: %d example tasks' % (module, len(tasks)))


def guide_playbooks(collection, tables, work):
    for guide, table in tables.items():
        source = os.path.join('docs', 'docsite', 'rst', guide + '.rst')
        plays = yaml.safe_load(substitute(guide, guide_plays(os.path.join(collection, source)), table, work))
        write_playbook(os.path.join(work, 'playbooks', 'guide_%s.yml' % guide), source, plays)
        print('guide %s: %d plays' % (guide, len(plays)))


def main(collection, substitutions, work):
    tables = yaml.safe_load(open(substitutions))
    os.makedirs(os.path.join(work, 'playbooks'), exist_ok=True)
    module_playbooks(collection, tables['modules'], work)
    guide_playbooks(collection, tables['guides'], work)


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[3])
    main(*sys.argv[1:])
