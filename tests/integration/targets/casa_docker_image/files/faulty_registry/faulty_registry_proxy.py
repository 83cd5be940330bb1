# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A registry that answers 5xx and then recovers: an HTTP proxy on loopback in front of the real
registry, failing the first ``--failures`` requests that match ``--match`` (a regex on
``METHOD path``) with 503, then forwarding everything. The Docker daemon retries blob uploads by
itself, not a manifest upload: failing ``PUT .*/manifests/`` makes the push fail for the client.

Every request is logged as one JSON line (time, method, path, status, headers) so that a test can
count the injected failures, the manifests stored and search the log for secrets. It exits by
itself after ``--lifetime`` seconds. Test helper: loopback only, no TLS.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import re
import threading
import time

HOP_BY_HOP = {'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization',
              'proxy-authenticate', 'content-length'}


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, upstream, failures, log_path, match='.'):
        super().__init__(address, Handler)
        self.match = re.compile(match)
        self.upstream = upstream
        self.failures_left = failures
        self.log_path = log_path
        self.lock = threading.Lock()

    def take_failure(self, request):
        with self.lock:
            if self.failures_left > 0 and self.match.search(request):
                self.failures_left -= 1
                return True
            return False

    def log(self, record):
        with self.lock, open(self.log_path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(record) + '\n')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):  # the JSON log is enough
        pass

    def _body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            data = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def _handle(self):
        body = self._body()
        record = {'time': time.time(), 'method': self.command, 'path': self.path, 'headers': self.headers.items()}
        if self.server.take_failure('%s %s' % (self.command, self.path)):
            record['status'] = 503
            record['injected'] = True
            self.server.log(record)
            self._reply(503, [('Content-Type', 'application/json')],
                        b'{"errors": [{"code": "UNAVAILABLE", "message": "injected failure"}]}')
            return
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=60)
        try:
            # Header by header: a registry client repeats Accept once per manifest type, and a
            # registry answering with the first one only would convert the manifest.
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.putheader('Content-Length', str(len(body)))
            upstream.endheaders(body)
            response = upstream.getresponse()
            data = response.read()
            record['status'] = response.status
            self.server.log(record)
            self._reply(response.status, response.getheaders(), data)
        finally:
            upstream.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--listen', type=int, required=True, help='loopback port to listen on')
    parser.add_argument('--upstream', type=int, default=5000, help='loopback port of the real registry')
    parser.add_argument('--failures', type=int, default=2, help='requests answered 503 before recovering')
    parser.add_argument('--match', default='.', help='regex on "METHOD path" of the requests to fail')
    parser.add_argument('--log', required=True, help='JSON-lines request log')
    parser.add_argument('--pid-file', required=True)
    parser.add_argument('--lifetime', type=float, default=300, help='seconds before the proxy exits by itself')
    args = parser.parse_args()
    server = Proxy(('127.0.0.1', args.listen), ('127.0.0.1', args.upstream), args.failures, args.log, args.match)
    with open(args.pid_file, 'w', encoding='utf-8') as handle:
        handle.write('%d\n' % os.getpid())
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    server.server_close()


if __name__ == '__main__':
    main()
