#!/usr/bin/env python3
"""kill -9 at random instants (issue 11 §2): real `ally` processes are killed with SIGKILL during `new` on an
existing and on a new journal, `edit`, `import`, `bundle import`, and both halves of `sync` (a laptop pushing a
backlog, another pulling it). A ledger keeps every acknowledged write (exit 0 and its printed id or effect); after
every kill `ally check` passes and the whole ledger is still there; at the end the laptops sync and must hold the
same entries, the whole ledger included.

Usage: crash.py [TRIALS=60]"""

import json
import os
import signal
import sys
import time

from common import Check, Server, ally, checked, entries, login, register, start

trials = int(sys.argv[1]) if len(sys.argv) > 1 else 60
check = Check("crash")
server = Server(check.file("server.sqlite"))
a, b, c = check.file("a.sqlite"), check.file("b.sqlite"), check.file("c.sqlite")
ally(a, "new", "reflection", "the first entry")
register(a, server, "crash")
login(b, server, "crash")
ally(a, "sync")
ally(b, "sync")

ledger_entries = {}  # id prefix -> label: entries acknowledged on A (or reaching A by an acknowledged import)
ledger_tags = []  # (id, tag) acknowledged on A
ledger_titles = set()  # titles acknowledged by an import or a bundle import on A
killed = 0
finished = 0


durations = {}  # operation -> seconds its last unkilled run took


def run_killed(journal, arguments, operation):
    """Starts the command and kills it at a random instant within 1.5 times its usual running time (learnt from the
    runs that finished); returns (finished, returncode, stdout)."""
    global killed, finished
    began = time.monotonic()
    process = start(journal, *arguments)
    delay = check.random.uniform(0, 1.5 * durations.get(operation, 0.1))
    try:
        out, err = process.communicate(timeout=delay)
        durations[operation] = time.monotonic() - began
        finished += 1
        return True, process.returncode, out
    except Exception:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        killed += 1
        return False, None, ""


def jrnl_export(trial, count):
    path = check.file(f"jrnl-{trial}.json")
    items = [{"date": "2026-11-20", "time": "09:00", "title": f"import {trial}.{k}", "body": f"line {k}\n" * 20,
              "tags": ["imported"], "starred": False} for k in range(count)]
    json.dump({"tags": {}, "entries": items}, open(path, "w"))
    return path, {item["title"] for item in items}


def verify(label):
    checked(check, a, label)
    held = entries(a)
    for prefix, what in ledger_entries.items():
        if not any(key.startswith(prefix) for key in held):
            check.fail(f"{label}: acknowledged {what} ({prefix}) is gone")
    for entry_id, tag in ledger_tags:
        entry = next((value for key, value in held.items() if key.startswith(entry_id)), None)
        if entry is None or tag not in entry["tags"]:
            check.fail(f"{label}: acknowledged tag {tag} on {entry_id} is gone")
    titles = {entry["title"] for entry in held.values()}
    for title in ledger_titles - titles:
        check.fail(f"{label}: acknowledged import of {title!r} is gone")


try:
    for trial in range(trials):
        operation = check.random.choice(["new", "first new", "edit", "import", "bundle import", "push", "pull"])
        label = f"trial {trial} ({operation})"
        check.cases += 1
        if operation == "new":
            done, status, out = run_killed(a, ["new", "reflection", f"trial {trial}"], operation)
            if done and status == 0:
                ledger_entries[out.strip()] = label
        elif operation == "first new":
            fresh = check.file(f"fresh-{trial}.sqlite")
            done, status, out = run_killed(fresh, ["new", "reflection", f"first of trial {trial}"], operation)
            checked(check, fresh, label)
            if done and status == 0 and not any(key.startswith(out.strip()) for key in entries(fresh)):
                check.fail(f"{label}: the acknowledged first entry is missing")
            again = ally(fresh, "new", "reflection", "after the kill")
            if again.returncode != 0:
                check.fail(f"{label}: the journal left by the kill takes no write: {again.stderr.strip()}")
        elif operation == "edit":
            target = check.random.choice(sorted(entries(a)))
            tag = f"t{trial}"
            done, status, out = run_killed(a, ["edit", target, "--add-tag", tag, "--body", f"body of trial {trial}"], operation)
            if done and status == 0:
                ledger_tags.append((target, tag))
        elif operation == "import":
            path, titles = jrnl_export(trial, 40)
            done, status, out = run_killed(a, ["import", path], operation)
            if done and status == 0:
                ledger_titles.update(titles)
        elif operation == "bundle import":
            for k in range(8):
                ally(c, "new", "goal", "bundled", "--title", f"bundled {trial}.{k}")
            bundle = check.file(f"c-{trial}.bundle")
            ally(c, "bundle", "export", bundle)
            done, status, out = run_killed(a, ["bundle", "import", bundle], operation)
            if done and status == 0:
                ledger_titles.update(f"bundled {trial}.{k}" for k in range(8))
        elif operation == "push":
            path, titles = jrnl_export(trial, 60)
            ally(a, "import", path)
            ledger_titles.update(titles)
            run_killed(a, ["sync"], operation)
        else:
            path, titles = jrnl_export(trial, 60)
            ally(b, "import", path)
            ally(b, "sync")
            done, status, out = run_killed(a, ["sync"], operation)
        verify(label)

    # Heal: every laptop syncs without a kill; all hold the same entries and the whole ledger.
    for journal in (a, b, a, b):
        result = ally(journal, "sync")
        if result.returncode != 0:
            check.fail(f"healing sync on {os.path.basename(journal)} failed: {result.stderr.strip()}")
    verify("after healing")
    checked(check, b, "B after healing")
    if entries(a) != entries(b):
        check.fail("after healing, A and B differ")
finally:
    server.stop(check)

check.finish(f"{killed} processes killed mid-command, {finished} finished first, {len(ledger_entries)} entries, "
             f"{len(ledger_tags)} edits and {len(ledger_titles)} imported titles in the ledger")
