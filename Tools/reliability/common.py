"""Shared pieces of the process-level reliability checks (docs/RELIABILITY.md): real `ally` and `ally-server`
processes from the debug build, journals in a scratch folder, and the failures each check collects."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("ALLY_BUILD", os.path.join(ROOT, ".build", "debug"))
ALLY = os.path.join(BUILD, "ally")
SERVER = os.path.join(BUILD, "ally-server")
PASSPHRASE = "correct horse battery staple"


class Check:
    """One named check: a scratch folder, a seed, and the failures it found."""

    def __init__(self, name):
        self.name = name
        seed = os.environ.get("ALLY_SEED")
        self.seed = int(seed) if seed else random.SystemRandom().randrange(1 << 32)
        self.random = random.Random(self.seed)
        self.folder = tempfile.mkdtemp(prefix=f"ally-{name}-")
        self.failures = []
        self.cases = 0
        self.started = time.time()
        print(f"{name}: seed {self.seed} (replay with ALLY_SEED={self.seed})", flush=True)

    def fail(self, message):
        self.failures.append(message)
        print(f"  FAIL {message}", flush=True)

    def file(self, name):
        return os.path.join(self.folder, name)

    def finish(self, summary):
        elapsed = time.time() - self.started
        if self.failures:
            print(f"{self.name}: {len(self.failures)} FAILURES in {self.cases} cases, seed {self.seed}", flush=True)
            print(f"  keep: {self.folder}")
            sys.exit(1)
        shutil.rmtree(self.folder, ignore_errors=True)
        print(f"{self.name}: {self.cases} cases, {summary}, no failures ({elapsed:.0f} s)", flush=True)


def environment(extra=None):
    env = dict(os.environ)
    env.update({"ALLY_PASSPHRASE": PASSPHRASE, "NO_COLOR": "1", "TERM": "dumb"})
    for key in ("LD_PRELOAD", "ALLY_FAIL_AT", "ALLY_FAIL_PERSIST", "ALLY_FAIL_COUNT", "FAKETIME"):
        env.pop(key, None)
    env.update(extra or {})
    return env


def ally(journal, *arguments, env=None, timeout=120):
    """Runs `ally ARGUMENTS --journal JOURNAL` and returns the finished process."""
    return subprocess.run(
        [ALLY, *arguments, "--journal", journal], capture_output=True, text=True, env=environment(env),
        timeout=timeout)


def start(journal, *arguments, env=None):
    """Starts `ally` in its own process group (so a signal reaches it and nothing else)."""
    return subprocess.Popen(
        [ALLY, *arguments, "--journal", journal], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(env), start_new_session=True)


def entries(journal):
    """Every entry (trash included) by id, as `ally list --json` shows it; {} when there is no journal."""
    if not os.path.exists(journal):
        return {}
    found = {}
    for extra in ([], ["--trashed"]):
        listed = ally(journal, "list", "--json", *extra)
        if listed.returncode != 0:
            raise RuntimeError(f"ally list failed on {journal}: {listed.stderr.strip()}")
        for entry in json.loads(listed.stdout or "[]"):
            found[entry["id"]] = entry
    return found


def bodies(journal):
    """Each entry's full text as `ally show --json` gives it, by id."""
    return {entry_id: json.loads(ally(journal, "show", entry_id, "--json").stdout) for entry_id in entries(journal)}


def clean_error(stderr):
    """Whether a failed command said so in one line of `ally: error: …` (besides the note that a journal was
    created) and did not crash."""
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("Created a new journal")]
    return len(lines) == 1 and lines[0].startswith("ally: error: ") and "Fatal error" not in stderr


def checked(check, journal, label):
    """`ally check` passes on the journal (when there is one)."""
    if not os.path.exists(journal):
        return
    result = ally(journal, "check")
    if result.returncode != 0:
        check.fail(f"{label}: ally check exit {result.returncode}: {result.stdout.strip()} {result.stderr.strip()}")


def copy_journal(source, target):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
        if os.path.exists(source + suffix):
            shutil.copyfile(source + suffix, target + suffix)


class Server:
    """A real `ally-server` on loopback; `kill()` is kill -9, `start()` again reuses the port."""

    def __init__(self, database, *arguments, port=0):
        self.database = database
        self.arguments = list(arguments)
        self.port = port
        self.process = None
        self.start()

    def start(self):
        for attempt in range(50):
            self.process = subprocess.Popen(
                [SERVER, "serve", "--port", str(self.port), "--database", self.database, "--open-registration",
                 *self.arguments], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                start_new_session=True)
            line = self.process.stdout.readline()
            if "listening on " in line:
                self.url = line.split("listening on ", 1)[1].strip()
                self.port = int(self.url.rsplit(":", 1)[1])
                return
            self.process.wait()
            time.sleep(0.1)  # the port may still be held a moment after a kill
        raise RuntimeError("ally-server did not start")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, check=None):
        """SIGTERM, as systemd stops it; a server that has not exited 15 s later is a failure (and is killed)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                if check is not None:
                    check.fail(f"ally-server on {self.database} did not exit within 15 s of SIGTERM")
                self.kill()


def register(journal, server, username):
    result = ally(journal, "account", "register", "--server", server.url, "--username", username,
                  "--allow-insecure-http")
    if result.returncode != 0:
        raise RuntimeError(f"register failed: {result.stderr.strip()}")


def login(journal, server, username):
    result = ally(journal, "account", "login", "--server", server.url, "--username", username,
                  "--allow-insecure-http")
    if result.returncode != 0:
        raise RuntimeError(f"login failed: {result.stderr.strip()}")
