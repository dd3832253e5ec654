#!/usr/bin/env python3
"""A network that loses answers, for tests (issue 7 §6): forwards every request to a real ally-server and answers
as the rules in RULES_FILE say. Each rule is a line "METHOD PATH-PREFIX MODE COUNT", applied to the next COUNT
matching requests:
  drop       the server acts, then the connection closes with no answer (a lost answer)
  duplicate  the request reaches the server twice (a retrying proxy); the client gets the first answer
  cut        the answer is cut off half-way through its body
The file is read again for every request, so a test can change the rules between commands. Every request is
appended to LOG as "METHOD PATH STATUS-OR-MODE".
Usage: lossy-proxy.py UPSTREAM_URL RULES_FILE LOG_FILE; prints "listening on http://127.0.0.1:PORT"."""
import http.server, sys, threading, urllib.error, urllib.request

upstream, rules_file, log_file = sys.argv[1], sys.argv[2], sys.argv[3]
used, lock = {}, threading.Lock()


def rule_for(method, path):
    try:
        lines = [line.split() for line in open(rules_file) if line.strip()]
    except FileNotFoundError:
        return None
    with lock:
        for index, (rule_method, prefix, mode, count) in enumerate(lines):
            key = (index, rule_method, prefix, mode, count)
            if rule_method == method and path.startswith(prefix) and used.get(key, 0) < int(count):
                used[key] = used.get(key, 0) + 1
                return mode
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self, body):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        request = urllib.request.Request(upstream + self.path, data=body, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read(), response.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type")

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        mode = rule_for(self.command, self.path)
        status, answer, content_type = self.forward(body)
        if mode == "duplicate":
            self.forward(body)
        with open(log_file, "a") as log:
            log.write(f"{self.command} {self.path} {mode or status}\n")
        if mode == "drop":
            self.close_connection = True
            return
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        if mode == "cut":
            self.send_header("Connection", "close")
        self.end_headers()
        if mode == "cut":
            self.wfile.write(answer[: len(answer) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
