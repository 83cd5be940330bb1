# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the two branches of a repository shaped like subuser's real default repository, as
directories DIR/master and DIR/latest (make_corpus.sh commits them into DIR/default.git):

- branch master (HEAD, which subuser 0.6.2 reads first): a few old sources and a .subuser.json
  whose subuser-version-constraints send every version above 0.4.1 to branch "latest", as the
  real one does;
- branch latest: the current sources, more than 70 of them, with library chains six images deep
  (libdebian -> libx11 -> libxpra -> libgtk -> libgnome -> app), FROM-SUBUSER-IMAGE written both
  bare and as name@default, libraries without executable, apps at every permission level, and
  one Dockerfile that says "FROM libx11@default" (the mistake the module flags).

Prints a JSON summary (sources per branch, the deepest chain) on stdout.
Usage: make_corpus.py DIR BASE_IMAGE
"""

from __future__ import annotations

import json
import os
import shutil
import sys

# library -> (parent or None for a root, how the parent is named)
LIBRARIES = {
    'libdebian': (None, None),
    'libx11': ('libdebian', 'default'),
    'libxpra': ('libx11', 'default'),
    'libgtk': ('libxpra', 'bare'),
    'libqt': ('libxpra', 'default'),
    'libgnome': ('libgtk', 'bare'),
    'libkde': ('libqt', 'bare'),
    'libpython3': ('libdebian', 'default'),
    'libjava': ('libx11', 'bare'),
    'libsdl': ('libx11', 'default'),
    'libwine': ('libsdl', 'bare'),
}
# apps per parent; each app is the sixth image of its chain under libgnome and libkde
APPS = {
    'libgnome': ['gedit', 'evince', 'nautilus', 'gnome-calculator', 'eog', 'totem', 'rhythmbox', 'gimp',
                 'inkscape', 'blender-base', 'pidgin', 'transmission', 'gnumeric'],
    'libkde': ['kate', 'okular', 'dolphin', 'kcalc', 'gwenview', 'krita', 'kdenlive', 'amarok'],
    'libgtk': ['firefox', 'thunderbird', 'geany', 'meld', 'xournal', 'zim', 'audacity'],
    'libqt': ['vlc', 'qbittorrent', 'texstudio', 'qtcreator', 'wireshark', 'keepassxc'],
    'libxpra': ['xterm', 'xeyes', 'xclock', 'xpdf', 'feh', 'mupdf'],
    'libx11': ['xpra-client', 'glxgears', 'xdotool'],
    'libpython3': ['ipython', 'jupyter', 'mypy', 'youtube-dl', 'httpie'],
    'libjava': ['freemind', 'jabref', 'arduino', 'josm'],
    'libsdl': ['supertux', 'openttd', 'frozen-bubble'],
    'libwine': ['winecfg', 'notepad-plus-plus'],
    'libdebian': ['vim', 'emacs', 'git', 'mutt', 'irssi', 'htop', 'curl', 'tmux'],
}
# the chain of one source of each depth, base first, for the checks
DEEPEST = ['libdebian', 'libx11', 'libxpra', 'libgtk', 'libgnome', 'blender-base', 'blender']


def write(root, relpath, content):
    path = os.path.join(root, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(content if isinstance(content, str) else json.dumps(content, indent=1) + '\n')


def source(root, name, permissions, image_file, text):
    write(root, '%s/permissions.json' % name, permissions)
    write(root, '%s/image/%s' % (name, image_file), text)
    write(root, '%s/image/check-for-updates' % name, '#!/bin/sh\nexit 1\n')


def from_line(parent, how):
    return 'FROM-SUBUSER-IMAGE %s%s\n' % (parent, '@default' if how == 'default' else '')


def app_permissions(index, name):
    """Every level, in turn: conservative, moderate, liberal, anarchistic (rarely)."""
    permissions = {'description': '%s, packaged for the test corpus' % name, 'maintainer': 'casa-test',
                   'executable': '/usr/bin/%s' % name}
    kind = index % 7
    if kind in (1, 2):
        permissions.update({'gui': {'clipboard': True, 'cursors': True}, 'user-dirs': ['Documents']})
    elif kind == 3:
        permissions.update({'allow-network-access': True, 'basic-common-permissions': True})
    elif kind in (4, 5):
        permissions.update({'x11': True, 'sound-card': True, 'memory-limit': '2g'})
    elif kind == 6 and index % 2:
        permissions.update({'privileged': True})
    return permissions


def latest_sources(root, base_image):
    for name, (parent, how) in LIBRARIES.items():
        permissions = {'description': 'library %s' % name, 'maintainer': 'casa-test'}
        if parent is None:
            source(root, name, permissions, 'Dockerfile', 'FROM %s\nRUN echo %s > /%s.txt\n' % (base_image, name, name))
        else:
            source(root, name, permissions, 'SubuserImagefile', from_line(parent, how) + 'RUN echo %s > /%s.txt\n' % (name, name))
    index = 0
    for parent, apps in APPS.items():
        for app in apps:
            how = 'default' if index % 3 == 0 else 'bare'
            source(root, app, app_permissions(index, app), 'SubuserImagefile', from_line(parent, how) + 'RUN true\n')
            index += 1
    # blender-base is a library of the gnome chain; blender starts from it (the seventh image)
    source(root, 'blender', app_permissions(2, 'blender'), 'SubuserImagefile', from_line('blender-base', 'bare'))
    source(root, 'docker-from-typo', {'description': 'a FROM where FROM-SUBUSER-IMAGE was meant'}, 'Dockerfile',
           'FROM libx11@default\nRUN true\n')
    write(root, '.subuser.json', {})


def master_sources(root, base_image):
    for name in ('vim', 'emacs', 'libdebian'):
        source(root, name, {'description': 'old %s' % name, 'executable': None if name.startswith('lib') else '/usr/bin/' + name},
               'Dockerfile', 'FROM %s\n' % base_image)
    write(root, '.subuser.json', {'subuser-version-constraints': [['>', '0.4.1', 'latest'], ['<=', '0.4.1', 'master']]})


def main(directory, base_image):
    trees = {'master': master_sources, 'latest': latest_sources}
    for branch, fill in trees.items():
        root = os.path.join(directory, branch)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        fill(root, base_image)
    latest = sorted(list(LIBRARIES) + [a for apps in APPS.values() for a in apps] + ['blender', 'docker-from-typo'])
    json.dump({'latest': latest, 'master': ['emacs', 'libdebian', 'vim'], 'deepest': DEEPEST}, sys.stdout)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
