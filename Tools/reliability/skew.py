#!/usr/bin/env python3
"""Clock skew on real processes (issue 11 §2), with libfaketime: laptop A runs a day ahead, laptop B a day behind,
and laptop C's clock jumps back two hours between its writes. All three write and edit the same entries and sync
through one server. Afterwards every laptop holds the same entries; every entry written anywhere exists; a tag
added anywhere and never removed is present; the later of two title edits made in real time order on one laptop
after it saw the other wins (the hybrid clock keeps causality whatever the wall clocks say); and the laptops
that received A's changes name A's clock as ahead (SPEC §3).

Usage: skew.py [ROUNDS=6]"""

import json
import os
import shutil
import subprocess
import sys

from common import ALLY, Check, Server, checked, entries, environment

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
check = Check("skew")
if shutil.which("faketime") is None:
    check.fail("faketime is not installed (apt-get install faketime)")
    check.finish("")


def clock(offset):
    return offset


def ally(journal, *arguments, env=None):
    """`ally` under `faketime -f OFFSET` (libfaketime preloaded by its own wrapper) when env names an offset."""
    prefix = ["faketime", "-f", env] if env else []
    return subprocess.run([*prefix, ALLY, *arguments, "--journal", journal], capture_output=True, text=True,
                          env=environment(), timeout=120)


def register(journal, server, username):
    result = ally(journal, "account", "register", "--server", server.url, "--username", username)
    if result.returncode != 0:
        raise RuntimeError(f"register failed: {result.stderr.strip()}")


def login(journal, server, username):
    result = ally(journal, "account", "login", "--server", server.url, "--username", username)
    if result.returncode != 0:
        raise RuntimeError(f"login failed: {result.stderr.strip()}")


server = Server(check.file("server.sqlite"))
a, b, c = check.file("a.sqlite"), check.file("b.sqlite"), check.file("c.sqlite")
clocks = {a: clock("+1d"), b: clock("-1d"), c: clock("+0s")}
written, tags = set(), []
try:
    ally(a, "new", "reflection", "first", env=clocks[a])
    written.add(next(iter(entries(a)))[:8])
    register(a, server, f"skew-{check.seed}")
    login(b, server, f"skew-{check.seed}")
    login(c, server, f"skew-{check.seed}")
    saw_ahead = False
    for round_ in range(rounds):
        for journal in (a, b, c):
            check.cases += 1
            name = os.path.basename(journal)[0]
            if journal == c:
                # C's clock jumps back two hours more each round.
                clocks[c] = clock(f"-{2 * (round_ + 1)}h")
            created = ally(journal, "new", "reflection", f"{name} round {round_}", env=clocks[journal])
            if created.returncode != 0:
                check.fail(f"{name} round {round_}: new failed: {created.stderr.strip()}")
                continue
            written.add(created.stdout.strip())
            target = check.random.choice(sorted(entries(journal)))
            tag = f"{name}{round_}"
            ally(journal, "edit", target, "--add-tag", tag, env=clocks[journal])
            tags.append((target, tag))
            synced = ally(journal, "sync", "--json", env=clocks[journal])
            if synced.returncode != 0:
                check.fail(f"{name} round {round_}: sync failed: {synced.stderr.strip()}")
            elif journal != a and json.loads(synced.stdout).get("clockAhead"):
                saw_ahead = True
        # Causality across skewed clocks: B (a day behind) retitles an entry it has seen A (a day ahead) retitle.
        check.cases += 1
        shared = sorted(written)[0]
        ally(a, "edit", shared, "--title", f"A's title {round_}", env=clocks[a])
        ally(a, "sync", env=clocks[a])
        ally(b, "sync", env=clocks[b])
        ally(b, "edit", shared, "--title", f"B's later title {round_}", env=clocks[b])
        ally(b, "sync", env=clocks[b])
        for journal in (a, c):
            ally(journal, "sync", env=clocks[journal])
        for journal in (a, b, c):
            entry = next(value for key, value in entries(journal).items() if key.startswith(shared))
            if entry["title"] != f"B's later title {round_}":
                check.fail(f"round {round_}: {os.path.basename(journal)} shows title {entry['title']!r}, not B's "
                           "later edit (a wall clock a day behind must not lose a causally later write)")
    for journal in (a, b, c, a, b, c):
        ally(journal, "sync", env=clocks[journal])
    first = entries(a)
    for journal in (a, b, c):
        checked(check, journal, os.path.basename(journal))
        held = entries(journal)
        if held != first:
            check.fail(f"{os.path.basename(journal)} differs from a.sqlite after healing")
        for prefix in written:
            if not any(key.startswith(prefix) for key in held):
                check.fail(f"entry {prefix} is missing on {os.path.basename(journal)}")
        for target, tag in tags:
            if tag not in held[target]["tags"]:
                check.fail(f"tag {tag} on {target[:8]} is missing on {os.path.basename(journal)}")
    if not saw_ahead:
        check.fail("no laptop named A's clock (a day ahead) in its sync report")
finally:
    server.stop(check)

check.finish(f"3 laptops (+1 day, −1 day, jumping back), {len(written)} entries and {len(tags)} tag edits, "
             f"{rounds} causal title edits, all converged")
