#!/usr/bin/env python3
"""A hostile network between real laptops and a real server (issue 11 §2). A fault proxy sits between three `ally`
processes and one `ally-server` on loopback; for each HTTP request it draws a fault from the seeded generator:

  drop       the request never reaches the server (the connection closes)
  lost       the server acts, its answer never reaches the laptop
  cut        half the answer arrives, then the connection closes
  twice      the server receives the request twice in a row; the laptop sees the second answer
  replay     the laptop gets its answer; 0.3–2 s later the same request reaches the server again, after newer ones
             (an old push arriving late: reordering)
  slow       the request or the answer is held back 50–800 ms (the three laptops sync at once, so their requests
             interleave differently each time)

Each round every laptop writes (new entries, edits of shared entries) and then all three sync at once through the
proxy. Every command ends in success or one clean error line; `ally check` passes on every laptop. At the end the
proxy passes everything, each laptop syncs until quiet, and then every laptop and a fresh laptop that logs in hold
the same entries with the same text, including every write acknowledged (exit 0 and its id printed) anywhere.

Thread scheduling varies between runs, so a seed replays the same faults in the same order of requests, not the
same interleaving. Usage: proxy.py [ROUNDS=8]"""

import json
import socket
import sys
import threading
import time

from common import Check, Server, ally, bodies, checked, clean_error, entries

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
check = Check("proxy")
FAULTS = [("drop", 8), ("lost", 10), ("cut", 5), ("twice", 8), ("replay", 8), ("slow", 15), ("pass", 46)]


def read_request(connection):
    """One HTTP/1.1 request from the laptop, as bytes (headers then a Content-Length body), or None at the end."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"transfer-encoding":
            raise RuntimeError("the proxy reads Content-Length bodies only; ally sent a chunked one")
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        rest += chunk
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + rest


class FaultProxy:
    """Forwards each request on a fresh connection to the server and answers with `Connection: close`."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.enabled = False
        self.lock = threading.Lock()
        self.counts = {name: 0 for name, _ in FAULTS}
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self.accept, daemon=True).start()

    def draw(self):
        with self.lock:
            if not self.enabled:
                return "pass", 0.0
            pick = check.random.uniform(0, sum(weight for _, weight in FAULTS))
            for name, weight in FAULTS:
                pick -= weight
                if pick <= 0:
                    break
            self.counts[name] += 1
            return name, check.random.uniform(0.05, 0.8)

    def upstream(self, request):
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as connection:
            connection.sendall(request)
            answer = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    return answer
                answer += chunk

    def accept(self):
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        try:
            request = read_request(connection)
            if request is None:
                return
            fault, delay = self.draw()
            if fault == "drop":
                return
            if fault == "slow" and delay < 0.4:
                time.sleep(delay)
            answer = self.upstream(request)
            if fault == "twice":
                answer = self.upstream(request)
            if fault == "replay":
                threading.Timer(0.3 + 2 * delay, self.late, args=(request,)).start()
            if fault == "lost":
                return
            if fault == "cut":
                connection.sendall(answer[: len(answer) // 2])
                return
            if fault == "slow" and delay >= 0.4:
                time.sleep(delay)
            connection.sendall(answer)
        except OSError:
            pass
        finally:
            connection.close()

    def late(self, request):
        try:
            self.upstream(request)
        except OSError:
            pass


def until_done(journal, *arguments):
    """What a user does when a command fails on a bad network: runs it again (up to eight times)."""
    for attempt in range(8):
        result = run(journal, *arguments)
        if result.returncode == 0:
            return result
    check.fail(f"ally {' '.join(arguments)} on {journal} failed eight times: {result.stderr.strip()[:300]}")
    return result


def run(journal, *arguments):
    """Runs ally; a failure must be one clean error line. Returns the finished process."""
    result = ally(journal, *arguments)
    if result.returncode != 0 and not clean_error(result.stderr):
        check.fail(f"ally {' '.join(arguments)} on {journal}: exit {result.returncode}, not a clean error: "
                   f"{result.stderr.strip()[:400]}")
    return result


server = Server(check.file("server.sqlite"))
proxy = FaultProxy(server.port)
laptops = [check.file(f"{name}.sqlite") for name in ("a", "b", "c")]
acknowledged = {}  # entry id -> title of an acknowledged `ally new`
edits = []  # (entry id, tag) of acknowledged edits
try:
    username = f"proxy-{check.seed}"
    ally(laptops[0], "new", "reflection", "the first entry", "--title", "first")
    # Registration and logins go through the faults too: a lost answer must not leave an account the user cannot
    # register again or log in to (SPEC §9.2).
    proxy.enabled = True
    until_done(laptops[0], "account", "register", "--server", proxy.url, "--username", username, "--allow-insecure-http")
    for laptop in laptops[1:]:
        until_done(laptop, "account", "login", "--server", proxy.url, "--username", username, "--allow-insecure-http")
    for round_ in range(rounds):
        for index, laptop in enumerate(laptops):
            for k in range(check.random.randint(1, 3)):
                title = f"round {round_} laptop {index} entry {k}"
                body = "\n".join(f"line {n} of {title}" for n in range(check.random.randint(1, 40)))
                result = run(laptop, "new", "reflection", body, "--title", title)
                if result.returncode == 0:
                    acknowledged[result.stdout.strip()] = title
            held = sorted(entries(laptop))
            if held:
                target = check.random.choice(held)
                tag = f"r{round_}l{index}"
                result = run(laptop, "edit", target, "--add-tag", tag, "--body",
                             f"edited in round {round_} on laptop {index}\n")
                if result.returncode == 0:
                    edits.append((target, tag))
        threads = [threading.Thread(target=run, args=(laptop, "sync")) for laptop in laptops]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        check.cases += len(laptops)
        for laptop in laptops:
            checked(check, laptop, f"round {round_}")

    # Heal: no more faults; wait for late replays to land; sync every laptop until a whole pass is quiet.
    proxy.enabled = False
    time.sleep(2)
    for attempt in range(4):
        for laptop in laptops:
            result = ally(laptop, "sync")
            if result.returncode != 0:
                check.fail(f"healing sync of {laptop} failed: {result.stderr.strip()}")
    fresh = check.file("fresh.sqlite")
    until_done(fresh, "account", "login", "--server", proxy.url, "--username", username, "--allow-insecure-http")
    if ally(fresh, "sync").returncode != 0:
        check.fail("the fresh laptop's sync failed")
    views = {laptop: bodies(laptop) for laptop in laptops + [fresh]}
    reference = views[laptops[0]]
    for laptop, view in views.items():
        checked(check, laptop, "after healing")
        if json.dumps(view, sort_keys=True) != json.dumps(reference, sort_keys=True):
            missing = set(reference) ^ set(view)
            check.fail(f"{laptop} differs from laptop a after healing ({len(missing)} entries held by only one)")
        for prefix, title in acknowledged.items():
            if not any(key.startswith(prefix) for key in view):
                check.fail(f"{laptop}: acknowledged entry {title!r} ({prefix}) is gone")
        for prefix, tag in edits:
            entry = next((value for key, value in view.items() if key.startswith(prefix)), None)
            if entry is None or tag not in entry.get("tags", []):
                check.fail(f"{laptop}: acknowledged tag {tag} on {prefix} is gone")
finally:
    server.stop(check)
faults = ", ".join(f"{count} {name}" for name, count in proxy.counts.items() if name != "pass")
check.finish(f"{len(acknowledged)} acknowledged entries and {len(edits)} edits; requests: {faults}, "
             f"{proxy.counts['pass']} passed")
