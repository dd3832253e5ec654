#!/usr/bin/env python3
"""The server killed and its database restarted (issue 11 §2). Real laptops push and pull backlogs while:
- the `ally-server` process is killed with SIGKILL at a random instant and started again on the same port
  (SQLite, and PostgreSQL when ALLY_TEST_POSTGRES_URL is set);
- PostgreSQL itself is restarted under load (`Tools/scripts/postgres.sh restart`);
- two `ally-server` processes serve one PostgreSQL database, each laptop syncing through its own, at once.
Every sync ends in success or one clean error line; `ally check` passes on every laptop; after healing syncs every
laptop holds the same entries and every imported title (each import was acknowledged before its sync began).

Usage: servercrash.py [TRIALS=12]"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

from common import ROOT, Check, Server, ally, checked, clean_error, entries, login, register, start

trials = int(sys.argv[1]) if len(sys.argv) > 1 else 12
check = Check("servercrash")
# The PostgreSQL parts run whenever ALLY_TEST_POSTGRES_URL names the test cluster (Tools/test.sh sets it);
# ALLY_RELIABILITY_POSTGRES=0 skips them.
postgres = os.environ.get("ALLY_TEST_POSTGRES_URL") if os.environ.get("ALLY_RELIABILITY_POSTGRES") != "0" else None
titles = set()
killed = 0


def backlog(journal, label, count=80):
    path = check.file(f"{label}.json")
    items = [{"date": "2026-11-20", "time": "09:00", "title": f"{label}.{k}", "body": f"line {k}\n" * 30,
              "tags": ["backlog"]} for k in range(count)]
    json.dump({"tags": {}, "entries": items}, open(path, "w"))
    result = ally(journal, "import", path)
    if result.returncode != 0:
        raise RuntimeError(f"import failed: {result.stderr}")
    titles.update(item["title"] for item in items)


def finished_cleanly(process, label):
    out, err = process.communicate(timeout=120)
    if process.returncode != 0 and not clean_error(err):
        check.fail(f"{label}: sync did not end in one clean error line: {err[-300:]!r}")
    return process.returncode


def heal(laptops, label):
    for journal in laptops + laptops:
        result = ally(journal, "sync")
        if result.returncode != 0:
            check.fail(f"{label}: healing sync failed: {result.stderr.strip()}")
    first = entries(laptops[0])
    for journal in laptops:
        checked(check, journal, label)
        held = entries(journal)
        if held != first:
            check.fail(f"{label}: {os.path.basename(journal)} differs from {os.path.basename(laptops[0])}")
        missing = titles - {entry["title"] for entry in held.values()}
        if missing:
            check.fail(f"{label}: {len(missing)} acknowledged entries missing on {os.path.basename(journal)}, "
                       f"e.g. {sorted(missing)[:3]}")


def killed_server(database, name, count):
    """Pushes and pulls while the server is killed and restarted."""
    global killed
    titles.clear()  # each part has its own account
    server = Server(database)
    a, b = check.file(f"{name}-a.sqlite"), check.file(f"{name}-b.sqlite")
    user = f"crash-{name}-{check.seed}"
    try:
        ally(a, "new", "reflection", "first")
        register(a, server, user)
        login(b, server, user)
        for trial in range(count):
            check.cases += 1
            pusher, puller = (a, b) if trial % 2 == 0 else (b, a)
            backlog(pusher, f"{name} {trial}")
            sync = start(pusher, "sync")
            time.sleep(check.random.uniform(0.0, 0.6))
            server.kill()
            killed += 1
            server.start()
            finished_cleanly(sync, f"{name} trial {trial}, push")
            # The other laptop pulls while the server is killed again.
            sync = start(puller, "sync")
            time.sleep(check.random.uniform(0.0, 0.6))
            server.kill()
            killed += 1
            server.start()
            finished_cleanly(sync, f"{name} trial {trial}, pull")
            for journal in (a, b):
                checked(check, journal, f"{name} trial {trial}")
        heal([a, b], f"{name} after healing")
    finally:
        server.stop(check)


def postgres_restarted():
    """PostgreSQL restarted while laptops push and pull through one server."""
    titles.clear()
    server = Server(postgres)
    a, b = check.file("pg-restart-a.sqlite"), check.file("pg-restart-b.sqlite")
    user = f"pg-restart-{check.seed}"
    try:
        ally(a, "new", "reflection", "first")
        register(a, server, user)
        login(b, server, user)
        for trial in range(3):
            check.cases += 1
            backlog(a, f"pg restart {trial} a")
            backlog(b, f"pg restart {trial} b")
            syncs = [start(a, "sync"), start(b, "sync")]
            time.sleep(check.random.uniform(0.0, 0.4))
            restart = subprocess.run([os.path.join(ROOT, "Tools", "scripts", "postgres.sh"), "restart"],
                                     capture_output=True, text=True)
            if restart.returncode != 0:
                check.fail(f"postgres.sh restart failed: {restart.stderr.strip()}")
            for index, sync in enumerate(syncs):
                finished_cleanly(sync, f"PostgreSQL restart {trial}, laptop {index}")
            # The server must come back by itself once the database is up again.
            for attempt in range(30):
                if ally(a, "sync").returncode == 0:
                    break
                time.sleep(1)
            else:
                check.fail(f"PostgreSQL restart {trial}: the server did not recover within 30 s")
        heal([a, b], "PostgreSQL restart, after healing")
    finally:
        server.stop(check)


def two_servers():
    """Two server processes on one PostgreSQL database, each laptop through its own, syncing at once."""
    titles.clear()
    one, two = Server(postgres), Server(postgres)
    a, b = check.file("two-a.sqlite"), check.file("two-b.sqlite")
    user = f"two-servers-{check.seed}"
    try:
        ally(a, "new", "reflection", "first")
        register(a, one, user)
        login(b, two, user)
        for trial in range(6):
            check.cases += 1
            backlog(a, f"two servers {trial} a", 40)
            backlog(b, f"two servers {trial} b", 40)
            syncs = [start(a, "sync"), start(b, "sync")]
            for index, sync in enumerate(syncs):
                if finished_cleanly(sync, f"two servers {trial}, laptop {index}") != 0:
                    check.fail(f"two servers {trial}: laptop {index}'s sync failed with both servers up")
        heal([a, b], "two servers, after healing")
    finally:
        one.stop(check)
        two.stop(check)


killed_server(check.file("server.sqlite"), "sqlite", trials)
if postgres:
    killed_server(postgres, "postgres", max(3, trials // 4))
    postgres_restarted()
    two_servers()
else:
    print("servercrash: PostgreSQL parts not run (set ALLY_TEST_POSTGRES_URL: Tools/scripts/postgres.sh start)")
check.finish(f"{killed} server kills during pushes and pulls" + (
    ", PostgreSQL restarted 3 times under load, two servers on one database" if postgres else ""))
