# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes one playbook per module from its EXAMPLES, with the fixture substitutions applied.

usage: extract_examples.py MODULES_DIR SUBSTITUTIONS WORK
Each playbook (WORK/playbooks/<module>.yml) runs the examples as written, in their order, on
localhost; WORK/playbooks/<module>.count holds how many tasks it has. Fails when a substitution
is not used or when a placeholder path or host is left after substituting.
"""

import ast
import os
import re
import sys

import yaml

# What documented placeholders look like: paths of a production host, example.org hosts.
PLACEHOLDER = re.compile(r'(/srv/|/var/www|/home/builder|example\.org)')


def module_examples(path):
    tree = ast.parse(open(path).read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'EXAMPLES':
            return node.value.value
    sys.exit('%s: no EXAMPLES' % path)


def substitute(module, text, table, work):
    for old, new in table:
        if old not in text:
            sys.exit('%s: the substitution of %r is not used by its EXAMPLES' % (module, old))
        text = text.replace(old, new.replace('@WORK@', work))
    # E-mail addresses (git authors) are values, not infrastructure.
    left = sorted(set(PLACEHOLDER.findall(re.sub(r'[\w.-]+@[\w.-]+', '', text))))
    if left:
        sys.exit('%s: EXAMPLES keep placeholders without a fixture: %s' % (module, ', '.join(left)))
    return text


def main(modules_dir, substitutions, work):
    tables = yaml.safe_load(open(substitutions))
    os.makedirs(os.path.join(work, 'playbooks'), exist_ok=True)
    for module, table in tables.items():
        text = substitute(module, module_examples(os.path.join(modules_dir, module + '.py')),
                          table, work)
        tasks = yaml.safe_load(text)
        play = [{
            'name': 'The EXAMPLES of casa.distro.%s, as documented' % module,
            'hosts': 'localhost',
            'gather_facts': False,
            'vars_files': [os.path.join(work, 'vars.yml')],
            'module_defaults': {'casa.distro.subuser_repo': {
                # Not in the examples: keeps the images and git mirrors under this test's names.
                'image_prefix': 'casa-docsite-subuser/', 'cache_dir': os.path.join(work, 'cache')}},
            'tasks': tasks,
        }]
        base = os.path.join(work, 'playbooks', module)
        with open(base + '.yml', 'w') as stream:
            stream.write('---\n# Generated from plugins/modules/%s.py EXAMPLES.\n' % module)
            yaml.safe_dump(play, stream, sort_keys=False, width=100)
        with open(base + '.count', 'w') as stream:
            stream.write('%d\n' % len(tasks))
        print('%s: %d example tasks' % (module, len(tasks)))


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    main(*sys.argv[1:])
