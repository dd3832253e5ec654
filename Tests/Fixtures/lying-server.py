#!/usr/bin/env python3
"""A hostile server for tests (issue 9 §1): forwards every request to a real ally-server, but rewrites the
answer to POST /v1/prelogin as the file MODE says: honest, weak (rounds 2), huge (rounds 2^20), short-salt.
Every request path is appended to LOG, so a test can see that nothing derived from a passphrase was sent.
Usage: lying-server.py UPSTREAM_URL MODE_FILE LOG_FILE; prints "listening on http://127.0.0.1:PORT"."""
import base64, http.server, json, sys, urllib.error, urllib.request

upstream, mode_file, log_file = sys.argv[1], sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def relay(self):
        with open(log_file, "a") as log:
            log.write(f"{self.command} {self.path}\n")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        request = urllib.request.Request(upstream + self.path, data=body, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request) as response:
                status, answer, content_type = response.status, response.read(), response.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            status, answer, content_type = error.code, error.read(), error.headers.get("Content-Type")
        if self.path.startswith("/v1/prelogin") and status == 200:
            mode = open(mode_file).read().strip()
            document = json.loads(answer)
            if mode == "weak":
                document["rounds"] = 2
            elif mode == "huge":
                document["rounds"] = 1 << 20
            elif mode == "short-salt":
                document["salt"] = base64.b64encode(b"\x00" * 4).decode()
            answer = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
