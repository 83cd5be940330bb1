# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Opens the built documentation site in headless Chromium and checks it (make docs).

Every HTML page of the site is loaded in one Chromium driven over the DevTools protocol
(--remote-debugging-pipe, no extra Python package): the page must load, have a heading and a
body of text, throw no JavaScript exception, log no console error, fail no resource load and
request nothing but local files (no CDN). Every link of every page that points into the site
must resolve to an existing file and, with a fragment, to an element id of the target page.
Screenshots of the index and of a module page are written beside the figures.

usage: docs_site_check.py SITE_DIR OUTPUT_DIR
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

PAGE_TIMEOUT = 30
MIN_TEXT = 40
SCREENSHOTS = {
    'index.png': 'index.html',
    'module-casa_docker_image.png': 'collections/casa/distro/casa_docker_image_module.html',
}
# What the page says about itself once loaded; links and ids as the browser resolved them.
PAGE_FACTS = """JSON.stringify({
  title: document.title,
  heading: (document.querySelector('h1') || {}).textContent || '',
  text: document.body ? document.body.innerText.trim().length : 0,
  links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
  ids: Array.from(document.querySelectorAll('[id], a[name]'), e => e.id || e.name),
})"""


class CheckError(Exception):
    pass


class Browser:
    """One headless Chromium, one tab, spoken to over the DevTools pipe (fds 3 and 4)."""

    def __init__(self, profile):
        to_chrome, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome = os.pipe()
        executable = shutil.which('chromium') or shutil.which('chromium-browser')
        if executable is None:
            raise CheckError('chromium is not installed (make test-tools installs it)')

        def wire_pipe():
            high_in = fcntl.fcntl(to_chrome, fcntl.F_DUPFD, 10)
            high_out = fcntl.fcntl(from_chrome, fcntl.F_DUPFD, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        # --no-sandbox: Chromium's sandbox refuses to run as root, which make test is.
        argv = [executable, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                '--disable-extensions', '--remote-debugging-pipe', '--window-size=1280,1024',
                '--user-data-dir=' + profile, 'about:blank']
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         preexec_fn=wire_pipe, pass_fds=(3, 4),
                                         start_new_session=True)
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b''
        self._next_id = 0
        self._session = None
        self.events = []
        targets = self.call('Target.getTargets')['targetInfos']
        page = next(t for t in targets if t['type'] == 'page')
        self._session = self.call('Target.attachToTarget', targetId=page['targetId'],
                                  flatten=True)['sessionId']
        for domain in ('Page', 'Runtime', 'Network', 'Log'):
            self.call(domain + '.enable')

    def close(self):
        # Browser.close lets Chromium's helper processes end before the profile is removed.
        try:
            self.call('Browser.close')
            self._process.wait(timeout=PAGE_TIMEOUT)
        except (CheckError, OSError, subprocess.TimeoutExpired):
            os.killpg(self._process.pid, 9)
            self._process.wait()
        deadline = time.monotonic() + PAGE_TIMEOUT
        while time.monotonic() < deadline:
            try:
                os.killpg(self._process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    def _send(self, method, params):
        self._next_id += 1
        message = {'id': self._next_id, 'method': method, 'params': params}
        if self._session and not method.startswith('Target.'):
            message['sessionId'] = self._session
        os.write(self._to_chrome, json.dumps(message).encode() + b'\0')
        return self._next_id

    def _receive(self, deadline):
        while b'\0' not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise CheckError('Chromium did not answer within %ds' % PAGE_TIMEOUT)
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise CheckError('Chromium exited (rc %s)' % self._process.poll())
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message)

    def call(self, method, **params):
        wanted = self._send(method, params)
        deadline = time.monotonic() + PAGE_TIMEOUT
        while True:
            message = self._receive(deadline)
            if message.get('id') != wanted:
                self.events.append(message)
                continue
            if 'error' in message:
                raise CheckError('%s: %s' % (method, message['error'].get('message')))
            return message['result']

    def wait_for(self, event):
        deadline = time.monotonic() + PAGE_TIMEOUT
        while not any(m.get('method') == event for m in self.events):
            self.events.append(self._receive(deadline))

    def open(self, url):
        self.events = []
        self.call('Page.navigate', url=url)
        self.wait_for('Page.loadEventFired')
        facts = self.call('Runtime.evaluate', expression=PAGE_FACTS, returnByValue=True)
        return json.loads(facts['result']['value'])

    def screenshot(self, path):
        data = self.call('Page.captureScreenshot', format='png')['data']
        with open(path, 'wb') as stream:
            stream.write(base64.b64decode(data))


def page_problems(page, facts, events):
    """What is wrong with a loaded page: missing content, errors, failed or external loads."""
    problems = []
    requested = {}
    if facts['text'] < MIN_TEXT:
        problems.append('almost empty body (%d characters)' % facts['text'])
    # Sphinx's search page is a form whose results JavaScript fills in.
    if not facts['heading'].strip() and page != 'search.html':
        problems.append('no <h1> heading')
    for event in events:
        method, params = event.get('method'), event.get('params', {})
        if method == 'Runtime.exceptionThrown':
            details = params['exceptionDetails']
            thrown = details.get('exception', {}).get('description', '')
            problems.append('JavaScript: %s %s' % (details.get('text'), thrown))
        elif method == 'Log.entryAdded' and params['entry']['level'] == 'error':
            problems.append('console: %s' % params['entry']['text'])
        elif method == 'Network.loadingFailed':
            problems.append('failed to load %s: %s' % (
                requested.get(params['requestId'], 'a resource'), params.get('errorText')))
        elif method == 'Network.requestWillBeSent':
            url = requested[params['requestId']] = params['request']['url']
            if not url.startswith(('file:', 'data:', 'about:')):
                problems.append('requests a remote resource (the site must work offline): ' + url)
    return problems


class SiteCheck:
    def __init__(self, site):
        self.site = os.path.realpath(site)
        self.pages = {}
        self.problems = []
        self.links = {'internal': 0, 'anchors': 0, 'external': 0}

    def relative(self, url):
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        return os.path.relpath(path, self.site)

    def visit_all(self, browser):
        queue = ['index.html']
        on_disk = sorted(os.path.relpath(os.path.join(d, f), self.site)
                         for d, _dirs, files in os.walk(self.site) for f in files if f.endswith('.html'))
        queue += on_disk
        while queue:
            page = queue.pop(0)
            if page in self.pages:
                continue
            facts = browser.open('file://' + os.path.join(self.site, page))
            self.pages[page] = facts
            self.problems += ['%s: %s' % (page, p) for p in page_problems(page, facts, browser.events)]
            if page in SCREENSHOTS.values():
                yield page
            targets = [self.relative(link) for link in facts['links'] if link.startswith('file:')]
            queue[:0] = [t for t in targets if t.endswith('.html') and self.inside(t)]

    def inside(self, target):
        return not target.startswith('..') and os.path.isfile(os.path.join(self.site, target))

    def check_links(self):
        for page, facts in sorted(self.pages.items()):
            for link in facts['links']:
                if not link.startswith('file:'):
                    self.links['external'] += 1
                    continue
                self.links['internal'] += 1
                target = self.relative(link)
                fragment = urllib.parse.unquote(urllib.parse.urlsplit(link).fragment)
                if target.startswith('..'):
                    self.problems.append('%s: a link leaves the site: %s' % (page, link))
                elif not os.path.isfile(os.path.join(self.site, target)):
                    self.problems.append('%s: broken link to %s' % (page, target))
                elif fragment and target in self.pages:
                    self.links['anchors'] += 1
                    if fragment not in self.pages[target]['ids']:
                        self.problems.append('%s: no anchor #%s in %s' % (page, fragment, target))


def main(site, output):
    if not os.path.isfile(os.path.join(site, 'index.html')):
        raise CheckError('%s/index.html does not exist: build the site first (make docs)' % site)
    os.makedirs(output, exist_ok=True)
    check = SiteCheck(site)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='casa-docs-chromium-',
                                     ignore_cleanup_errors=True) as profile:
        browser = Browser(profile)
        try:
            for page in check.visit_all(browser):
                for name, wanted in SCREENSHOTS.items():
                    if wanted == page:
                        browser.screenshot(os.path.join(output, name))
        finally:
            browser.close()
    check.check_links()
    missing = [name for name, page in SCREENSHOTS.items() if page not in check.pages]
    check.problems += ['no page %s to take %s of' % (SCREENSHOTS[n], n) for n in missing]
    figures = {'pages': len(check.pages), 'links': check.links, 'problems': check.problems,
               'seconds': round(time.monotonic() - started, 1), 'page_list': sorted(check.pages)}
    with open(os.path.join(output, 'site-check.json'), 'w') as stream:
        json.dump(figures, stream, indent=2)
    print('docs site check: %d pages opened in Chromium, %d internal links (%d with anchors) '
          'resolved, %d external links not followed, %.1fs' % (
              figures['pages'], check.links['internal'], check.links['anchors'],
              check.links['external'], figures['seconds']))
    for problem in check.problems:
        print('docs site check: ' + problem, file=sys.stderr)
    return 1 if check.problems else 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    try:
        sys.exit(main(sys.argv[1], sys.argv[2]))
    except CheckError as error:
        sys.exit('docs site check: %s' % error)
