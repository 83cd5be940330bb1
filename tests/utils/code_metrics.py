# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Function complexity and file sizes of the collection's Python code (make lint).

Fails when a function's cyclomatic complexity (radon) is above MAX_COMPLEXITY or a file is
longer than MAX_LINES, unless it is listed in EXCEPTIONS with the reason docs/developing.md
gives. Prints the largest files and the most complex functions either way.
"""

import os
import sys

from radon.complexity import cc_visit

MAX_COMPLEXITY = 15
MAX_LINES = 500
ROOTS = ('plugins',)
# path (or path:function) -> why the limit does not apply; keep in step with docs/developing.md.
EXCEPTIONS = {
}


def python_files(top):
    for root in ROOTS:
        for directory, dirs, files in os.walk(os.path.join(top, root)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith('.py'):
                    yield os.path.relpath(os.path.join(directory, name), top)


def code_lines(text):
    """Lines of a file that are not module documentation: a module file's DOCUMENTATION,
    EXAMPLES and RETURN strings are documentation, not code to keep short."""
    count = 0
    in_doc = False
    for line in text.splitlines():
        stripped = line.strip()
        if not in_doc and stripped.split('=')[0].strip() in ('DOCUMENTATION', 'EXAMPLES', 'RETURN') \
                and stripped.endswith(("r'''", "'''")):
            in_doc = True
            continue
        if in_doc:
            in_doc = stripped != "'''"
            continue
        count += 1
    return count


def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sizes, functions = [], []
    for path in python_files(top):
        with open(os.path.join(top, path), encoding='utf-8') as handle:
            text = handle.read()
        sizes.append((code_lines(text), path))
        seen = set()
        for block in cc_visit(text):
            # radon lists a class's methods both inside the class and on their own.
            for item in [block] + list(getattr(block, 'methods', [])):
                if item.letter in ('F', 'M') and (item.fullname, item.lineno) not in seen:
                    seen.add((item.fullname, item.lineno))
                    functions.append((item.complexity, '%s:%s' % (path, item.fullname), item.lineno))
    sizes.sort(reverse=True)
    functions.sort(reverse=True)
    print('Largest files (lines of code, module documentation excluded):')
    for lines, path in sizes[:5]:
        print('  %5d  %s' % (lines, path))
    print('Most complex functions (cyclomatic complexity):')
    for complexity, name, line in functions[:5]:
        print('  %5d  %s (line %d)' % (complexity, name, line))
    problems = ['%s: %d lines (limit %d)' % (path, lines, MAX_LINES)
                for lines, path in sizes if lines > MAX_LINES and path not in EXCEPTIONS]
    problems += ['%s: complexity %d (limit %d)' % (name, complexity, MAX_COMPLEXITY)
                 for complexity, name, line in functions if complexity > MAX_COMPLEXITY and name not in EXCEPTIONS]
    for problem in problems:
        print('TOO BIG: %s' % problem)
    print('%d files, %d functions checked; %d over the limits' % (len(sizes), len(functions), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
