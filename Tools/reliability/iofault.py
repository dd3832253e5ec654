#!/usr/bin/env python3
"""I/O errors (issue 11 §2): real `ally` processes run under an LD_PRELOAD shim (failnth.c) that fails the Nth
write, pwrite, fsync, fdatasync or ftruncate on a regular file with EIO, for N = 1, 2, … up to the number of such
calls the command makes. Each run must end in success or in one clean `ally: error:` line, never a crash; the
journal must pass `ally check` afterwards with every earlier entry as it was; a success must have done what it said;
and the same command run again without faults must succeed. Transient errors (only the Nth call fails) and a disk
gone bad (every call from the Nth on) both.

Usage: iofault.py SHIM [--points K]   (at most K values of N per command and mode: the first K/2, then spread evenly
to the last call; 0 tries every N, as the soak does)"""

import argparse
import json
import os
import sys

from common import Check, Server, ally, checked, clean_error, copy_journal, entries, environment, login, register

parser = argparse.ArgumentParser()
parser.add_argument("shim")
parser.add_argument("--points", type=int, default=0)
options = parser.parse_args()
check = Check("iofault")
counter = check.file("count")


def faulty(n, persist=False):
    return {"LD_PRELOAD": options.shim, "ALLY_FAIL_AT": str(n), "ALLY_FAIL_PERSIST": "1" if persist else "0",
            "ALLY_FAIL_COUNT": counter}


def calls(journal, arguments):
    """How many countable calls the command makes with no fault (on a scratch copy)."""
    scratch = check.file("count-journal.sqlite")
    copy_journal(journal, scratch)
    if os.path.exists(counter):
        os.remove(counter)
    result = ally(scratch, *arguments, env=faulty(0))
    if result.returncode != 0:
        raise RuntimeError(f"{arguments} fails without a fault: {result.stderr}")
    return int(open(counter).read())


def points(total, limit=None):
    limit = options.points if limit is None else limit
    if limit <= 0 or total <= limit:
        return list(range(1, total + 1))
    head = list(range(1, limit // 2 + 1))
    rest = limit - len(head)
    return head + sorted({head[-1] + (total - head[-1]) * (k + 1) // rest for k in range(rest)})


# A journal with a few entries, an ally JSON export and a bundle from another journal.
base = check.file("base.sqlite")
for index in range(3):
    ally(base, "new", "reflection", f"entry {index} before any fault")
first = sorted(entries(base))[0]
other = check.file("other.sqlite")
for index in range(12):
    ally(other, "new", "goal", f"imported goal {index}", "--tag", "imported")
export = check.file("export.json")
open(export, "w").write(ally(other, "export", "--format", "json").stdout)
bundle = check.file("other.bundle")
ally(other, "bundle", "export", bundle)
imported = {entry["title"] or "" for entry in entries(other).values()}

scenarios = [
    ("new", True, ["new", "reflection", "written under a fault"],
     lambda before, after, out: any(key.startswith(out.strip()) for key in after) and len(after) == len(before) + 1),
    ("first new", False, ["new", "reflection", "the first entry, under a fault"],
     lambda before, after, out: len(after) == 1),
    ("edit", True, ["edit", first, "--add-tag", "fault-tag", "--title", "edited under a fault"],
     lambda before, after, out: "fault-tag" in after[first]["tags"] and after[first]["title"] == "edited under a fault"),
    ("import", True, ["import", export], lambda before, after, out: len(after) == len(before) + 12),
    ("bundle import", True, ["bundle", "import", bundle], lambda before, after, out: len(after) == len(before) + 12),
]

runs = 0
refused = 0
for name, existing, arguments, done in scenarios:
    total = calls(base if existing else check.file("none.sqlite"), arguments)
    for persist in (False, True):
        for n in points(total):
            runs += 1
            check.cases += 1
            label = f"{name}, {'every call from' if persist else 'call'} {n} of {total} failing"
            journal = check.file("journal.sqlite")
            copy_journal(base if existing else check.file("none.sqlite"), journal)
            before = entries(journal)
            result = ally(journal, *arguments, env=faulty(n, persist))
            if result.returncode < 0 or result.returncode >= 128:
                check.fail(f"{label}: killed by a signal ({result.returncode}): {result.stderr[-300:]}")
                continue
            if result.returncode != 0 and not clean_error(result.stderr):
                check.fail(f"{label}: not one clean error line: {result.stderr[-300:]!r}")
            refused += result.returncode != 0
            checked(check, journal, label)
            after = entries(journal)
            for key, entry in before.items():
                if key not in after:
                    check.fail(f"{label}: entry {key} written before the fault is gone")
                elif entry != after[key] and not (name == "edit" and key == first):
                    check.fail(f"{label}: entry {key} changed: {entry} -> {after[key]}")
            if result.returncode == 0 and not done(before, after, result.stdout):
                check.fail(f"{label}: exit 0 but the command's effect is missing (silently short)")
            if result.returncode != 0:
                again = ally(journal, *arguments)
                if again.returncode != 0:
                    check.fail(f"{label}: without the fault the same command fails: {again.stderr.strip()}")
                elif name in ("edit", "import", "bundle import") and not done(before, entries(journal), again.stdout):
                    check.fail(f"{label}: run again without the fault, the command's effect is missing")

# Sync: one laptop's life, a fault in every sync, healed by the next sync without one.
server = Server(check.file("server.sqlite"))
a, b = check.file("a.sqlite"), check.file("b.sqlite")
try:
    ally(a, "new", "reflection", "before linking")
    register(a, server, "iofault")
    login(b, server, "iofault")
    ally(a, "sync")
    ally(b, "sync")
    ally(a, "new", "reflection", "to count a sync's calls")
    total = calls(a, ["sync"])
    ally(a, "sync")
    sync_points = points(total)
    for persist in (False, True):
        for n in sync_points:
            check.cases += 1
            label = f"sync, {'every call from' if persist else 'call'} {n} of about {total} failing"
            for index in range(2):
                ally(a, "new", "mistake", f"A {n} {persist} {index}")
            ally(b, "new", "goal", f"B {n} {persist}")
            ally(b, "sync")
            before = entries(a)
            result = ally(a, "sync", env=faulty(n, persist))
            if result.returncode < 0 or result.returncode >= 128:
                check.fail(f"{label}: killed by a signal ({result.returncode})")
            elif result.returncode != 0 and not clean_error(result.stderr):
                check.fail(f"{label}: not one clean error line: {result.stderr[-300:]!r}")
            refused += result.returncode != 0
            checked(check, a, label)
            after = entries(a)
            for key, entry in before.items():
                if key not in after:
                    check.fail(f"{label}: entry {key} is gone after the failed sync")
            healed = ally(a, "sync")
            if healed.returncode != 0:
                check.fail(f"{label}: the next sync without a fault fails: {healed.stderr.strip()}")
            ally(b, "sync")
            if entries(a) != entries(b):
                check.fail(f"{label}: after healing, A and B differ")
finally:
    server.stop(check)

if refused == 0:
    check.fail("no run met an error: the shim is not failing anything")
check.finish(f"{runs} local runs over 5 commands and {check.cases - runs} syncs, faults transient and persistent, "
             f"{refused} ended in a clean error")
