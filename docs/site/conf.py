# Sphinx configuration of the casa.distro documentation site (make docs, docs/site/build.sh).
# The site is built and read offline: no intersphinx inventories to download, no fonts, scripts
# or styles from a CDN (tests/utils/docs_site_check.py fails on any).
import re

from docutils import nodes

project = 'casa.distro'
copyright = 'casa.distro developers, GPL-3.0-or-later'
title = 'casa.distro documentation'
html_short_title = 'casa.distro'

extensions = ['sphinx_antsibull_ext', 'myst_parser']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
# docs/*.md link to each other by file name; headings get anchors for in-page links.
myst_heading_anchors = 3
myst_enable_extensions = ['colon_fence']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {'collapse_navigation': False}
templates_path = ['_templates']

# A schema sketch in a topic is YAML with placeholders that Pygments cannot always lex.
suppress_warnings = ['misc.highlighting_failure']
default_role = 'any'

# The generated reference points at labels of the Ansible documentation (common return values,
# ansible.builtin modules and plugins). Without intersphinx (offline), they become plain links to
# docs.ansible.com; any other unresolved label stays a warning, and -W makes it an error.
ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/latest/'
ANSIBLE_LABELS = {
    'common_return_values': 'reference_appendices/common_return_values.html',
    'callback_plugins': 'plugins/callback.html',
    'ansible_configuration_settings': 'reference_appendices/config.html',
}
COLLECTION_LABEL = re.compile(r'ansible_collections\.(\w+)\.(\w+)\.(\w+)_(module|callback|role|filter|test|lookup)$')


def ansible_docs_reference(app, env, node, contnode):
    target = node.get('reftarget', '')
    path = ANSIBLE_LABELS.get(target)
    match = COLLECTION_LABEL.match(target)
    if match and match.group(1, 2) != ('casa', 'distro'):
        path = 'collections/{0}/{1}/{2}_{3}.html'.format(*match.groups())
    if path is None:
        return None
    reference = nodes.reference('', '', internal=False, refuri=ANSIBLE_DOCS + path)
    reference += contnode
    return reference


def setup(app):
    app.connect('missing-reference', ansible_docs_reference)
