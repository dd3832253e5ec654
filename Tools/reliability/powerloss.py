#!/usr/bin/env python3
"""Power-loss snapshots (issue 11 §2): a writer runs `ally new`, `ally edit` and `ally import` one after another;
at random instants the whole writer is frozen (SIGSTOP to its process group), the journal and its -wal are copied
as they stand, and the writer goes on (SIGCONT). Each copy is opened as a journal after a crash would open it
(without the -shm, which lives in memory): `ally check` must pass and every write acknowledged before the freeze
must be in it.

What this does not cover: the copies are read through the page cache, so they show every write() the process made,
in order. A real power cut can also lose writes the kernel had not yet sent to the disk, or (on a disk that lies
about flushes) reorder them; that is SQLite's own ground (its crash tests simulate it), and ally relies on
`synchronous=FULL` with WAL to make an acknowledged commit survive it.

Usage: powerloss.py [SNAPSHOTS=40]"""

import os
import shutil
import signal
import subprocess
import sys
import time

from common import ALLY, Check, ally, entries, environment

snapshots = int(sys.argv[1]) if len(sys.argv) > 1 else 40
check = Check("powerloss")
journal = check.file("journal.sqlite")
ledger = check.file("ledger.txt")
ally(journal, "new", "reflection", "before the writer starts")
jrnl = check.file("jrnl.json")
with open(jrnl, "w") as file:
    items = ",".join(
        f'{{"date": "2026-11-20", "time": "09:00", "title": "imported {k}", "body": "{"x" * 400}", "tags": []}}'
        for k in range(30))
    file.write(f'{{"tags": {{}}, "entries": [{items}]}}')

# The writer: a shell loop that appends to the ledger only what `ally` acknowledged (exit 0, with its id).
script = f"""
i=0
while :; do
  i=$((i+1))
  if id=$("{ALLY}" new reflection "written $i $(head -c 600 /dev/zero | tr '\\0' y)" --journal "{journal}"); then
    echo "new $id" >> "{ledger}"
    if "{ALLY}" edit "$id" --add-tag "t$i" --journal "{journal}" >/dev/null; then echo "tag $id t$i" >> "{ledger}"; fi
  fi
  if [ $((i % 10)) -eq 0 ]; then
    "{ALLY}" import "{jrnl}" --journal "{journal}" >/dev/null && echo "import" >> "{ledger}"
  fi
done
"""
writer = subprocess.Popen(["bash", "-c", script], env=environment(), start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
copies = 0
try:
    for index in range(snapshots):
        time.sleep(check.random.uniform(0.02, 0.3))
        os.killpg(writer.pid, signal.SIGSTOP)
        acknowledged = open(ledger).read().splitlines() if os.path.exists(ledger) else []
        copy = check.file(f"copy-{index}.sqlite")
        for suffix in ("", "-wal"):
            if os.path.exists(journal + suffix):
                shutil.copyfile(journal + suffix, copy + suffix)
        os.killpg(writer.pid, signal.SIGCONT)
        copies += 1
        check.cases += 1
        label = f"snapshot {index} ({len(acknowledged)} acknowledged writes)"
        result = ally(copy, "check")
        if result.returncode != 0:
            check.fail(f"{label}: ally check exit {result.returncode}: {result.stdout.strip()} {result.stderr.strip()}")
            continue
        held = entries(copy)
        titles = {entry["title"] for entry in held.values()}
        for line in acknowledged:
            kind, *rest = line.split()
            if kind == "new" and not any(key.startswith(rest[0]) for key in held):
                check.fail(f"{label}: acknowledged entry {rest[0]} is missing")
            elif kind == "tag":
                entry = next((value for key, value in held.items() if key.startswith(rest[0])), None)
                if entry is None or rest[1] not in entry["tags"]:
                    check.fail(f"{label}: acknowledged tag {rest[1]} on {rest[0]} is missing")
            elif kind == "import" and "imported 29" not in titles:
                check.fail(f"{label}: an acknowledged import is missing")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(copy + suffix):
                os.remove(copy + suffix)
finally:
    os.killpg(writer.pid, signal.SIGKILL)
    writer.wait()

writes = len(open(ledger).read().splitlines()) if os.path.exists(ledger) else 0
if writes == 0:
    check.fail("the writer acknowledged nothing")
check.finish(f"{copies} snapshots of a frozen writer opened and checked, {writes} acknowledged writes in the ledger")
