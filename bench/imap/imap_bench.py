#!/usr/bin/env python3
"""The same IMAP client load against two servers, side by side (run by bench/imap/run.sh).

Subcommands:
  maildir DIR --messages N        write the deterministic corpus as a Maildir (for Dovecot)
  run NAME=PORT:USER:PASSWORD:PIDS[:append] ...   load (APPEND) where asked, then measure

PIDS is a comma-separated list of the server's root process ids; resident memory is summed
over them and all their descendants. ":append" loads the corpus into that server's INBOX by
IMAP APPEND first (the Maildir server is loaded by `maildir` before it starts).

Client: Python asyncio on raw sockets, one process, a small incremental response parser that
skips literals by length. Every phase is bounded by a count and by a time limit; everything
goes to 127.0.0.1 only.
"""
import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import random
import re
import resource
import sys
import time

HOST = "127.0.0.1"
SEED = 20260311
TIMEOUT = 120.0  # seconds for any single read from a server

# --------------------------------------------------------------------------------------------
# The corpus: N varied RFC 5322 messages, 2-50 KB, the same bytes on every run.
# --------------------------------------------------------------------------------------------
FIRST = ["Ann", "Bob", "Carla", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kemal", "Lea",
         "Mo", "Nia", "Otto", "Pia", "Quinn", "Rosa", "Sam", "Tariq"]
LAST = ["Smith", "Okafor", "Novak", "Garcia", "Tanaka", "Berg", "Haddad", "Silva", "Kowalski", "Moreau"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "lists.example.org"]
WORDS = ("invoice report meeting quarterly budget travel release review draft contract update "
         "schedule reminder newsletter project kickoff feedback proposal holiday migration outage "
         "security audit roadmap hiring offsite lunch deadline shipment receipt agenda").split()
LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
         "labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris "
         "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse").split()
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
BASE_DATE = dt.datetime(2025, 1, 1, 8, 0, 0, tzinfo=dt.timezone.utc)
SPAN_DAYS = 440


def senders():
    rng = random.Random(SEED + 1)
    out = []
    for i in range(40):
        first, last = FIRST[i % len(FIRST)], rng.choice(LAST)
        out.append((f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@{rng.choice(DOMAINS)}"))
    return out


def text_lines(rng, size):
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(LOREM) for _ in range(rng.randint(6, 11))).capitalize() + "."
        lines.append(line)
        total += len(line) + 2
    return lines


def corpus(count):
    """[{data, date, seen}] - deterministic."""
    rng = random.Random(SEED)
    people = senders()
    out = []
    for n in range(count):
        size = rng.randint(2 * 1024, 50 * 1024)
        name, address = rng.choice(people)
        date = BASE_DATE + dt.timedelta(days=rng.randint(0, SPAN_DAYS), seconds=rng.randint(0, 86399))
        subject = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)} #{n}"
        headers = [
            f"From: {name} <{address}>",
            "To: Bench <bench@example.test>",
            f"Subject: {subject}",
            f"Date: {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
            f"Message-ID: <bench-{n}-{SEED}@example.com>",
            "MIME-Version: 1.0",
        ]
        if rng.random() < 0.6:
            headers.append("Content-Type: text/plain; charset=utf-8")
            body = text_lines(rng, size - 400)
        else:
            boundary = f"=_bench_{n}_{rng.getrandbits(32):08x}"
            headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
            text = text_lines(rng, rng.randint(300, 1500))
            payload = rng.randbytes(max(256, (size - 2000) * 3 // 4))
            encoded = base64.b64encode(payload).decode()
            body = ["This is a multi-part message in MIME format.", "", f"--{boundary}",
                    "Content-Type: text/plain; charset=utf-8", "", *text, "", f"--{boundary}",
                    f'Content-Type: application/octet-stream; name="file{n}.bin"',
                    "Content-Transfer-Encoding: base64",
                    f'Content-Disposition: attachment; filename="file{n}.bin"', "",
                    *[encoded[i:i + 76] for i in range(0, len(encoded), 76)], f"--{boundary}--"]
        data = ("\r\n".join(headers) + "\r\n\r\n" + "\r\n".join(body) + "\r\n").encode()
        out.append({"data": data, "date": date, "seen": rng.random() < 0.7})
    return out


def imap_date_time(date):
    return f'"{date.day:02d}-{MONTHS[date.month - 1]}-{date.year} {date.strftime("%H:%M:%S")} +0000"'


def write_maildir(directory, count):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    for n, message in enumerate(corpus(count)):
        stamp = int(message["date"].timestamp())
        name = f"{stamp}.M{n:06d}P1.bench,S={len(message['data'])}:2,{'S' if message['seen'] else ''}"
        path = os.path.join(directory, "cur", name)
        with open(path, "wb") as f:
            f.write(message["data"])
        os.utime(path, (stamp, stamp))  # Maildir: the file's mtime is the INTERNALDATE


# --------------------------------------------------------------------------------------------
# A minimal asyncio IMAP client on raw sockets.
# --------------------------------------------------------------------------------------------
class ImapError(Exception):
    def __init__(self, command, response):
        super().__init__(f"{command!r} -> {response!r}")
        self.command, self.response = command, response


class Client:
    def __init__(self, port):
        self.port, self.reader, self.writer = port, None, None
        self.buf, self.pos, self.tagno, self.received = bytearray(), 0, 0, 0

    async def connect(self):
        try:
            self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(HOST, self.port), TIMEOUT)
        except (OSError, asyncio.TimeoutError) as error:
            raise ImapError("(connect)", f"{type(error).__name__}: {error}") from None
        greeting = await self._line("(greeting)")
        if not greeting.startswith(b"* OK"):
            raise ImapError("(greeting)", greeting.decode(errors="replace"))

    async def _fill(self, command):
        if self.pos > 65536:
            del self.buf[:self.pos]
            self.pos = 0
        try:
            data = await asyncio.wait_for(self.reader.read(262144), TIMEOUT)
        except asyncio.TimeoutError:
            raise ImapError(command, f"(no answer within {TIMEOUT:.0f} s)") from None
        except OSError as error:
            raise ImapError(command, f"({type(error).__name__}: {error})") from None
        if not data:
            raise ImapError(command, "(connection closed by the server)")
        self.received += len(data)
        self.buf += data

    async def _line(self, command):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos:end])
                self.pos = end + 2
                return line
            await self._fill(command)

    async def command(self, text, collect=False, literal=None, continuation=False):
        """Sends one command; returns (tagged line, untagged lines if collect, count of untagged lines).
        literal: bytes sent after the server's '+' (synchronizing literal; text must end with {n}).
        continuation: return at the server's '+' (IDLE)."""
        self.tagno += 1
        tag = b"t%d" % self.tagno
        tag_sp = tag + b" "
        self.writer.write(tag_sp + text.encode() + b"\r\n")
        untagged, count, continuing = [], 0, False
        while True:
            line = await self._line(text)
            if line.endswith(b"}"):
                start = line.rfind(b"{")
                size = int(line[start + 1:-1].rstrip(b"+")) if start >= 0 else 0
                while len(self.buf) - self.pos < size:
                    await self._fill(text)
                self.pos += size
                if collect:
                    untagged.append(line)
                continuing = True
                continue
            if continuing:  # the rest of a response that carried a literal
                continuing = False
                continue
            if line.startswith(tag_sp):
                status = line[len(tag_sp):]
                if not status.startswith(b"OK"):
                    raise ImapError(text if literal is None else text + " <literal>", line.decode(errors="replace"))
                return line, untagged, count
            if line.startswith(b"+"):
                if continuation:
                    return line, untagged, count
                if literal is not None:
                    self.writer.write(literal + b"\r\n")
                    literal = None
                    continue
                raise ImapError(text, line.decode(errors="replace"))
            if line.startswith(b"* BYE") and not text.startswith("LOGOUT"):
                raise ImapError(text, line.decode(errors="replace"))
            count += 1
            if collect:
                untagged.append(line)

    async def login(self, user, password):
        await self.command(f'LOGIN "{user}" "{password}"')

    async def logout(self):
        try:
            await self.command("LOGOUT")
        finally:
            self.close()

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# --------------------------------------------------------------------------------------------
# Memory of a server: its processes and all their descendants.
# --------------------------------------------------------------------------------------------
def process_tree(roots):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def memory_kib(roots):
    """(RSS, PSS, process count) summed over the tree, in KiB."""
    rss = pss = procs = 0
    for pid in process_tree(roots):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            procs += 1
        except OSError:
            pass
    return rss, pss, procs


# --------------------------------------------------------------------------------------------
# Phases
# --------------------------------------------------------------------------------------------
class Phase:
    """Workers share one operation budget (count) and one deadline; the first errors are kept."""

    def __init__(self, count, seconds):
        self.count, self.seconds = count, seconds
        self.started = self.done = self.bytes = self.errors = 0
        self.first_errors = []

    def take(self):
        if self.started >= self.count or time.perf_counter() > self.deadline:
            return False
        self.started += 1
        return True

    def fail(self, error):
        self.errors += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(str(error))

    async def run(self, workers, body):
        """body(worker_index) loops on self.take(); workers have done their setup before."""
        cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        self.deadline = self.t0 + self.seconds
        await asyncio.gather(*(body(i) for i in range(workers)))
        self.elapsed = time.perf_counter() - self.t0
        self.client_cpu = (time.process_time() - cpu0) / self.elapsed
        return self

    def result(self, unit="/s", mb=False):
        r = {"value": self.done / self.elapsed if self.elapsed else 0.0, "done": self.done, "count": self.count,
             "seconds": round(self.elapsed, 2), "errors": self.errors, "first_errors": self.first_errors,
             "client_cpu": round(self.client_cpu, 2)}
        if mb:
            r["mb_per_s"] = self.bytes / self.elapsed / 1e6 if self.elapsed else 0.0
        return r


async def open_session(server, select=True):
    client = Client(server["port"])
    await client.connect()
    await client.login(server["user"], server["password"])
    if select:
        await client.command("SELECT INBOX")
    return client


async def sessions(server, n):
    clients = []
    try:
        for _ in range(n):
            clients.append(await open_session(server))
    except ImapError:
        for c in clients:
            c.close()
        raise
    return clients


async def phase_logins(server, clients, count, seconds):
    phase = Phase(count, seconds)

    async def body(_):
        while phase.take():
            client = Client(server["port"])
            try:
                await client.connect()
                await client.login(server["user"], server["password"])
                await client.logout()
                phase.done += 1
            except ImapError as error:
                phase.fail(error)
                client.close()
                return
    return (await phase.run(clients, body)).result()


async def phase_commands(server, clients, count, seconds, make_command, mb=False):
    """20 sessions stay logged in with INBOX selected and send commands one at a time each."""
    try:
        pool = await sessions(server, clients)
    except ImapError as error:
        phase = Phase(count, seconds)
        phase.fail(error)
        phase.elapsed, phase.client_cpu = 1.0, 0.0
        return phase.result(mb=mb)
    phase = Phase(count, seconds)

    async def body(i):
        rng = random.Random(SEED * 100 + i)
        client = pool[i]
        while phase.take():
            text = make_command(rng)
            before = client.received
            try:
                await client.command(text)
                phase.done += 1
                phase.bytes += client.received - before
            except ImapError as error:
                phase.fail(error)
                return
    await phase.run(clients, body)
    for client in pool:
        try:
            await client.logout()
        except ImapError:
            pass
    return phase.result(mb=mb)


async def phase_idle(server, target, seconds):
    """Opens up to target connections, each LOGIN + SELECT INBOX + IDLE; memory before and after."""
    await asyncio.sleep(5)  # Dovecot's spare imap processes exit (idle_kill); the gateway settles
    rss0, pss0, procs0 = memory_kib(server["pids"])
    deadline = time.perf_counter() + seconds
    idle, first_error = [], None
    batch = 20
    while len(idle) < target and time.perf_counter() < deadline and first_error is None:
        async def one():
            client = Client(server["port"])
            try:
                await client.connect()
                await client.login(server["user"], server["password"])
                await client.command("SELECT INBOX")
                await client.command("IDLE", continuation=True)
                return client
            except ImapError as error:
                client.close()
                return error
        results = await asyncio.gather(*(one() for _ in range(min(batch, target - len(idle)))))
        for r in results:
            if isinstance(r, Client):
                idle.append(r)
            elif first_error is None:
                first_error = r
    await asyncio.sleep(3)
    rss1, pss1, procs1 = memory_kib(server["pids"])
    n = max(len(idle), 1)
    result = {"connections": len(idle), "target": target, "rss_before_kib": rss0, "rss_after_kib": rss1,
              "pss_before_kib": pss0, "pss_after_kib": pss1, "procs_before": procs0, "procs_after": procs1,
              "rss_per_conn_kib": (rss1 - rss0) / n, "pss_per_conn_kib": (pss1 - pss0) / n,
              "errors": 0 if first_error is None else 1,
              "first_errors": [] if first_error is None else [str(first_error)]}
    for client in idle:
        try:
            client.writer.write(b"DONE\r\nz LOGOUT\r\n")
        except (OSError, AttributeError):
            pass
    await asyncio.sleep(0.5)
    for client in idle:
        client.close()
    return result


async def load_by_append(server, messages, connections=8):
    pool = await sessions(server, connections)
    next_index = 0

    async def worker(client):
        nonlocal next_index
        while next_index < len(messages):
            message = messages[next_index]
            next_index += 1
            flags = "(\\Seen) " if message["seen"] else "() "
            await client.command(f"APPEND INBOX {flags}{imap_date_time(message['date'])} {{{len(message['data'])}}}",
                                 literal=message["data"])
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - t0
    for c in pool:
        await c.logout()
    return len(messages) / elapsed


async def exists(server):
    client = await open_session(server, select=False)
    _, untagged, _ = await client.command("SELECT INBOX", collect=True)
    await client.logout()
    for line in untagged:
        parts = line.split()
        if len(parts) == 3 and parts[2] == b"EXISTS":
            return int(parts[1])
    return None


# The SEARCH criteria, drawn at random from values that occur in the corpus.
PEOPLE = senders()


def search_from(rng):
    return f'UID SEARCH FROM "{rng.choice(PEOPLE)[1].split("@")[0]}"'


def search_subject(rng):
    return f'UID SEARCH SUBJECT "{rng.choice(WORDS)}"'


def search_since(rng):
    day = BASE_DATE + dt.timedelta(days=rng.randint(0, SPAN_DAYS))
    return f"UID SEARCH SINCE {day.day}-{MONTHS[day.month - 1]}-{day.year}"


def search_unseen(_):
    return "UID SEARCH UNSEEN"


def search_mixed(rng):
    return rng.choice([search_from, search_subject, search_since, search_unseen])(rng)


CHECK_QUERIES = ["UID SEARCH UNSEEN", 'UID SEARCH FROM "ann."', 'UID SEARCH SUBJECT "budget"',
                 "UID SEARCH SINCE 1-Jan-2026", 'UID SEARCH SINCE 1-Jun-2025 UNSEEN FROM "example.org"']


async def answers(server):
    """Hit counts of fixed queries, and the total size of all messages: both servers must agree."""
    client = await open_session(server)
    out = {}
    for query in CHECK_QUERIES:
        try:
            _, untagged, _ = await client.command(query, collect=True)
            hits = sum(len(l.split()) - 2 for l in untagged if l.startswith(b"* SEARCH"))
            out[query] = hits
        except ImapError as error:
            out[query] = f"failed: {error}"
    try:
        _, untagged, _ = await client.command("FETCH 1:* (RFC822.SIZE)", collect=True)
        out["sum of RFC822.SIZE"] = sum(int(l.split(b"RFC822.SIZE ")[1].split(b")")[0]) for l in untagged if b"RFC822.SIZE" in l)
    except (ImapError, IndexError, ValueError) as error:
        out["sum of RFC822.SIZE"] = f"failed: {error}"
    await client.logout()
    return out


# --------------------------------------------------------------------------------------------
# The mixed phase: sessions that stay on INBOX, mix commands, and check what they receive.
# --------------------------------------------------------------------------------------------
KEYWORDS = [f"$Label{i}" for i in range(1, 6)]
OTHER_FOLDER = "Archive"  # the second folder STATUS asks about (created if missing)
FLAGS_IN_FETCH = re.compile(rb"[( ]FLAGS \(([^)]*)\)")
APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")
MIXED_WEIGHTS = {"FETCH": 30, "STORE": 25, "APPEND": 12, "EXPUNGE": 11, "STATUS": 12, "LIST": 10}


class Violations:
    """Protocol errors of one server's mixed phase: a count by kind and the first examples."""

    def __init__(self):
        self.count, self.by_kind, self.examples = 0, {}, []
        self.checked = {"FETCH": 0, "keywords in FETCH": 0, "EXPUNGE": 0, "EXISTS": 0, "FLAGS": 0}
        self.t0 = time.perf_counter()

    def add(self, kind, session, command, response):
        self.count += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if len(self.examples) < 20:
            text = response.decode(errors="replace") if isinstance(response, bytes) else str(response)
            self.examples.append(f"[{kind}] client {session} at {time.perf_counter() - self.t0:.1f} s, "
                                 f"{command!r} -> {text[:200]!r}")


class CheckedSession:
    """A logged-in session that keeps what the server told it and checks every response against it:
    the message count (EXISTS raises it, never lowers it; each EXPUNGE lowers it by one, RFC 9051
    §7.4.1), and the keywords announced by untagged FLAGS (RFC 9051 §7.3.5). Any NO/BAD/BYE, a
    FETCH or EXPUNGE with a sequence number outside 1..count, a FETCH FLAGS keyword not announced
    before, and EXISTS going down are protocol errors. Responses from other sessions' changes
    (EXISTS, EXPUNGE, FETCH) are handled whenever they arrive, in the order they arrive."""

    def __init__(self, client, index, violations):
        self.client, self.index, self.violations = client, index, violations
        self.exists, self.keywords = 0, set()

    def violation(self, kind, command, response):
        if self.violations is not None:
            self.violations.add(kind, self.index, command, response)

    def checked(self, what):
        if self.violations is not None:
            self.violations.checked[what] += 1

    async def response(self, command):
        """One whole response: its lines joined, each literal skipped (its {n} stays in the text)."""
        c = self.client
        parts = []
        while True:
            line = await c._line(command)
            parts.append(line)
            start = line.rfind(b"{")
            digits = line[start + 1:-1].rstrip(b"+") if line.endswith(b"}") and start >= 0 else b""
            if not digits.isdigit():
                return b"".join(parts)
            size = int(digits)
            while len(c.buf) - c.pos < size:
                await c._fill(command)
            c.pos += size

    async def command(self, text, literal=None):
        """Sends one command and reads up to its tagged answer, checking each response on the way.
        Returns the tagged line if OK, None after NO/BAD (counted). A BYE, a closed connection or a
        timeout raises ImapError (counted by the caller): the session cannot go on."""
        c = self.client
        c.tagno += 1
        tag_sp = b"t%d " % c.tagno
        c.writer.write(tag_sp + text.encode() + b"\r\n")
        while True:
            line = await self.response(text)
            if line.startswith(tag_sp):
                if line[len(tag_sp):len(tag_sp) + 2].upper() == b"OK":
                    return line
                self.violation("tagged NO/BAD", text, line)
                return None
            if line.startswith(b"+"):
                if literal is not None:
                    c.writer.write(literal + b"\r\n")
                    literal = None
                    continue
                raise ImapError(text, "unexpected continuation: " + line.decode(errors="replace"))
            self.untagged(text, line)

    def untagged(self, text, line):
        words = line.split(b" ", 3)
        if len(words) < 2 or words[0] != b"*":
            self.violation("unparseable response", text, line)
            return
        kind = words[1].upper()
        if kind in (b"NO", b"BAD"):
            self.violation("untagged NO/BAD", text, line)
        elif kind == b"BYE":
            if not text.startswith("LOGOUT"):
                raise ImapError(text, line.decode(errors="replace"))
        elif kind == b"FLAGS":
            self.checked("FLAGS")
            inner = line[line.find(b"(") + 1:line.rfind(b")")]
            self.keywords.update(f.lower() for f in inner.split() if not f.startswith(b"\\"))
        elif kind.isdigit() and len(words) >= 3:
            n, what = int(kind), words[2].upper()
            if what in (b"EXISTS", b"EXPUNGE", b"FETCH"):
                self.checked(what.decode())
            if what == b"EXISTS":
                if n < self.exists:
                    self.violation("EXISTS went down", text, line + b"  (known count %d)" % self.exists)
                self.exists = n
            elif what == b"EXPUNGE":
                if not 1 <= n <= self.exists:
                    self.violation("sequence number out of range", text, line + b"  (known count %d)" % self.exists)
                self.exists = max(self.exists - 1, 0)
            elif what == b"FETCH":
                if not 1 <= n <= self.exists:
                    self.violation("sequence number out of range", text, line[:120] + b"  (known count %d)" % self.exists)
                flags = FLAGS_IN_FETCH.search(line)
                if flags:
                    for flag in flags.group(1).split():
                        if flag.startswith(b"\\"):
                            continue
                        self.checked("keywords in FETCH")
                        if flag.lower() not in self.keywords:
                            self.violation("keyword not announced by FLAGS", text,
                                           line[:120] + b"  (announced: " + b" ".join(sorted(self.keywords)) + b")")


def small_message(rng, client, n):
    lines = text_lines(rng, rng.randint(200, 1200))
    date = BASE_DATE + dt.timedelta(days=rng.randint(0, SPAN_DAYS))
    headers = [f"From: Mixed Bench <mixed{client}@example.com>", "To: Bench <bench@example.test>",
               f"Subject: Mixed {rng.choice(WORDS)} {client}-{n}",
               f"Date: {date.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
               f"Message-ID: <mixed-{client}-{n}-{SEED}@example.com>", "MIME-Version: 1.0",
               "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(headers) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()


async def phase_mixed(server, clients, count, seconds, base):
    """clients sessions on INBOX, each looping over a random mix of FETCH, STORE, EXPUNGE, APPEND,
    STATUS and LIST until the shared command budget or the deadline. base: the corpus size. The
    corpus messages (sequence numbers 1..base, never expunged: only messages a client APPENDed are)
    get FETCH and STORE by sequence number; a client's own APPENDed messages get UID FETCH and,
    for EXPUNGE, UID STORE +FLAGS (\\Deleted) then EXPUNGE or UID EXPUNGE."""
    phase, checks = Phase(count, seconds), Violations()
    pool = []
    try:
        setup = await open_session(server, select=False)
        _, untagged, _ = await setup.command(f'LIST "" "{OTHER_FOLDER}"', collect=True)
        if not untagged:
            await setup.command(f"CREATE {OTHER_FOLDER}")
        await setup.logout()
        for i in range(clients):
            session = CheckedSession(await open_session(server, select=False), i, checks)
            pool.append(session)
            if await session.command("SELECT INBOX") is None or session.exists < base:
                raise ImapError("SELECT INBOX", f"failed or {session.exists} messages (expected >= {base})")
    except ImapError as error:
        for session in pool:
            session.client.close()
        phase.fail(error)
        phase.elapsed, phase.client_cpu = 1.0, 0.0
        return {**phase.result(), "setup_failed": True}
    by_command = {name: 0 for name in MIXED_WEIGHTS}
    seconds_by_command = {name: 0.0 for name in MIXED_WEIGHTS}
    names, weights = list(MIXED_WEIGHTS), list(MIXED_WEIGHTS.values())
    checks.t0 = time.perf_counter()

    def flag_set(rng):
        flags = rng.sample(["\\Flagged", "\\Answered"] + KEYWORDS, rng.choice([1, 1, 2]))
        return "(" + " ".join(flags) + ")"

    async def body(i):
        rng = random.Random(SEED * 1000 + i)
        s = pool[i]
        own = []  # UIDs this client APPENDed and has not marked \Deleted
        appended = 0

        async def run(name, text, literal=None):
            t0 = time.perf_counter()
            tagged = await s.command(text, literal)
            if tagged is not None:
                phase.done += 1
                by_command[name] += 1
                seconds_by_command[name] += time.perf_counter() - t0
            return tagged

        while phase.take():
            op = rng.choices(names, weights)[0]
            if op == "EXPUNGE" and not own:
                op = "APPEND"
            try:
                if op == "FETCH":
                    pick = rng.random()
                    if pick < 0.25 and own:
                        await run(op, f"UID FETCH {rng.choice(own)} (FLAGS BODY.PEEK[1])")
                    elif pick < 0.5:
                        first = rng.randint(1, max(1, base - 19))
                        await run(op, f"FETCH {first}:{min(first + 19, base)} (FLAGS)")
                    else:
                        await run(op, f"FETCH {rng.randint(1, base)} (FLAGS BODY.PEEK[1])")
                elif op == "STORE":
                    first = rng.randint(1, max(1, base - 4))
                    where = str(first) if rng.random() < 0.7 else f"{first}:{min(first + 4, base)}"
                    await run(op, f"STORE {where} {rng.choice('+-')}FLAGS {flag_set(rng)}")
                elif op == "APPEND":
                    appended += 1
                    data = small_message(rng, i, appended)
                    flags = rng.choice(["()", "()", "(\\Seen)", f"({rng.choice(KEYWORDS)})"])
                    tagged = await run(op, f"APPEND INBOX {flags} {{{len(data)}}}", literal=data)
                    uid = APPENDUID.search(tagged) if tagged else None
                    if uid:
                        own.append(int(uid.group(1)))
                elif op == "EXPUNGE":
                    uid = own.pop(rng.randrange(len(own)))
                    if await run(op, f"UID STORE {uid} +FLAGS (\\Deleted)") is not None:
                        phase.started += 1  # the second command of this operation, from the same budget
                        await run(op, "EXPUNGE" if rng.random() < 0.5 else f"UID EXPUNGE {uid}")
                elif op == "STATUS":
                    folder = "INBOX" if rng.random() < 0.5 else OTHER_FOLDER
                    await run(op, f"STATUS {folder} (MESSAGES UIDNEXT UNSEEN)")
                else:
                    await run(op, 'LIST "" "*"')
            except ImapError as error:  # BYE, closed, timeout: this client stops
                checks.add("BYE/closed/timeout (client stopped)", i, error.command, error.response)
                s.client.close()
                s.client.writer = None
                return
        s.own = own

    await phase.run(clients, body)
    result = phase.result()
    # After the phase: one NOOP each, then every session's count should be a fresh SELECT's.
    alive = [s for s in pool if s.client.writer is not None]
    agree = 0
    try:
        for s in alive:
            await s.command("NOOP")
        truth = await exists(server)
        agree = sum(1 for s in alive if s.exists == truth)
    except ImapError as error:
        checks.add("BYE/closed/timeout (client stopped)", -1, error.command, error.response)
        truth = None
    for s in alive:  # leave INBOX as it was: not measured, not checked
        s.violations = None
        try:
            own = getattr(s, "own", [])
            if own:
                await s.command(f"UID STORE {','.join(map(str, own))} +FLAGS.SILENT (\\Deleted)")
                await s.command(f"UID EXPUNGE {','.join(map(str, own))}")
            await s.command("LOGOUT")
        except ImapError:
            pass
        s.client.close()
    result.update({"errors": checks.count, "first_errors": [], "protocol_errors": checks.count,
                   "protocol_errors_by_kind": checks.by_kind, "examples": checks.examples,
                   "responses_checked": checks.checked,
                   "by_command": by_command, "mean_ms_by_command": {
                       n: round(1000 * seconds_by_command[n] / by_command[n], 1) if by_command[n] else None
                       for n in by_command}, "sessions_alive": len(alive), "sessions": clients,
                   "sessions_agreeing_after_noop": agree, "exists_after": truth})
    return result


async def measure(server, args, messages_total):
    n_max = messages_total
    results = {}
    warm = await open_session(server)  # the first SELECT may index; not measured
    await warm.command("UID FETCH 1:* (FLAGS)")
    await warm.command("UID SEARCH UNSEEN")
    await warm.logout()

    def fetch_body(rng):
        return f"FETCH {rng.randint(1, n_max)} BODY.PEEK[]"

    steps = [
        ("logins/s (LOGIN+LOGOUT)", lambda: phase_logins(server, args.clients, args.logins, args.seconds)),
        ("UID FETCH 1:* (FLAGS)", lambda: phase_commands(server, args.clients, args.flag_fetches, args.seconds,
                                                          lambda _: "UID FETCH 1:* (FLAGS)", mb=True)),
        ("FETCH n BODY.PEEK[]", lambda: phase_commands(server, args.clients, args.body_fetches, args.seconds,
                                                        fetch_body, mb=True)),
        ("UID SEARCH FROM", lambda: phase_commands(server, args.clients, args.searches, args.seconds, search_from)),
        ("UID SEARCH SUBJECT", lambda: phase_commands(server, args.clients, args.searches, args.seconds, search_subject)),
        ("UID SEARCH SINCE", lambda: phase_commands(server, args.clients, args.searches, args.seconds, search_since)),
        ("UID SEARCH UNSEEN", lambda: phase_commands(server, args.clients, args.searches, args.seconds, search_unseen)),
        ("UID SEARCH mixed", lambda: phase_commands(server, args.clients, args.searches, args.seconds, search_mixed)),
        ("mixed", lambda: phase_mixed(server, args.clients, args.mixed_commands, args.mixed_seconds, n_max)),
    ]
    names = [name for name, _ in steps] + ["idle"]

    def selected(name):
        """--only WORD: the phase named exactly WORD if there is one ("mixed", "idle"), else every
        phase whose name contains it ("search" is all five searches, "search mixed" the mixed search)."""
        if not args.only:
            return True
        for word in (o.lower() for o in args.only):
            exact = word in (n.lower() for n in names)
            if (name.lower() == word) if exact else (word in name.lower()):
                return True
        return False

    for name, step in steps:
        if not selected(name):
            continue
        print(f"  {server['name']}: {name} ...", file=sys.stderr, flush=True)
        results[name] = await step()
        r = results[name]
        print(f"    {r['value']:.1f}/s ({r['done']}/{r['count']} in {r['seconds']} s, errors {r['errors']}, "
              f"client CPU {r['client_cpu']:.0%})" + (f" {r['mb_per_s']:.1f} MB/s" if "mb_per_s" in r else ""),
              file=sys.stderr, flush=True)
        if name == "mixed" and "by_command" in r:
            print(f"    by command: {r['by_command']}, mean ms {r['mean_ms_by_command']}; protocol errors {r['protocol_errors_by_kind']}; sessions "
                  f"alive {r['sessions_alive']}/{r['sessions']}, agreeing on the count after NOOP "
                  f"{r['sessions_agreeing_after_noop']} (EXISTS {r['exists_after']})", file=sys.stderr, flush=True)
    if args.idle and selected("idle"):
        print(f"  {server['name']}: {args.idle} IDLE connections ...", file=sys.stderr, flush=True)
        results["idle"] = await phase_idle(server, args.idle, args.idle_seconds)
        print(f"    {json.dumps(results['idle'])}", file=sys.stderr, flush=True)
    return results


def fmt(value, failed):
    return "FAILED" if failed else (f"{value:,}" if isinstance(value, int) else f"{value:,.1f}")


def print_table(names, results, args):
    a, b = names
    rows = []  # (metric, va, vb, failed_a, failed_b, better)
    for metric in results[a]:
        if metric == "idle":
            continue
        ra, rb = results[a][metric], results[b][metric]
        if metric == "mixed":
            fa, fb = bool(ra.get("setup_failed")), bool(rb.get("setup_failed"))
            rows.append(("mixed: commands completed (OK)", ra["done"], rb["done"], fa, fb, "higher is better"))
            rows.append(("mixed: commands/s", ra["value"], rb["value"], fa, fb, "higher is better"))
            rows.append(("mixed: protocol errors", ra["errors"], rb["errors"], fa, fb, "lower is better"))
            continue
        rows.append((f"{metric}  cmd/s" if "logins" not in metric else metric, ra["value"], rb["value"],
                     ra["errors"] > 0, rb["errors"] > 0, "higher is better"))
        if "mb_per_s" in ra:
            rows.append((f"{metric}  MB/s", ra["mb_per_s"], rb["mb_per_s"], ra["errors"] > 0, rb["errors"] > 0, "higher is better"))
    if "idle" in results[a]:
        ia, ib = results[a]["idle"], results[b]["idle"]
        label = f"KiB RSS per IDLE connection ({ia['connections']}/{ib['connections']})"
        rows.append((label, ia["rss_per_conn_kib"], ib["rss_per_conn_kib"], ia["errors"] > 0, ib["errors"] > 0, "lower is better"))
        rows.append(("KiB PSS per IDLE connection", ia["pss_per_conn_kib"], ib["pss_per_conn_kib"],
                     ia["errors"] > 0, ib["errors"] > 0, "lower is better"))
        rows.append(("server RSS MiB, idle conns open", ia["rss_after_kib"] / 1024, ib["rss_after_kib"] / 1024,
                     ia["errors"] > 0, ib["errors"] > 0, "lower is better"))
    width = max(len(r[0]) for r in rows) + 2
    print()
    print(f"{'metric':{width}}{a:>12}  {b:>12}  {'ratio ' + b + '/' + a:>26}  better")
    for metric, va, vb, fa, fb, better in rows:
        ratio = "n/a" if fa or fb or not va else (f"{vb / va:.2f}" if abs(vb / va) >= 0.1 else f"{vb / va:.4f}")
        print(f"{metric:{width}}{fmt(va, fa):>12}  {fmt(vb, fb):>12}  {ratio:>26}  {better}")
    if "mixed" in results[a]:
        mixed = {n: results[n]["mixed"] for n in names}
        print(f"\nProtocol errors in the mixed phase: " + ", ".join(
            f"{n} {'setup FAILED' if m.get('setup_failed') else m['errors']}" for n, m in mixed.items()))
        for n, m in mixed.items():
            if m.get("setup_failed"):
                continue
            kinds = ", ".join(f"{k} {v}" for k, v in m["protocol_errors_by_kind"].items()) or "none"
            print(f"  {n}: {kinds}; {m['sessions_alive']}/{m['sessions']} sessions to the end, "
                  f"{m['sessions_agreeing_after_noop']} of them with a fresh SELECT's count after NOOP "
                  f"(EXISTS {m['exists_after']}); completed {m['by_command']}, mean ms {m['mean_ms_by_command']}; untagged responses checked "
                  f"{m['responses_checked']}")
            for example in m["examples"][:5]:
                print(f"      {example}")
    failures = [(n, m, r) for n in names for m, r in results[n].items()
                if r.get("errors") and (m != "mixed" or r.get("setup_failed"))]
    if failures:
        print("\nFailures (server, metric, errors, first errors as command -> response):")
        for n, m, r in failures:
            print(f"  {n} / {m}: {r['errors']} error(s)")
            for e in r["first_errors"]:
                print(f"      {e}")


async def run(args):
    servers = []
    for spec in args.servers:
        name, rest = spec.split("=", 1)
        parts = rest.split(":")
        port, user, password, pids = parts[:4]
        servers.append({"name": name, "port": int(port), "user": user, "password": password,
                        "pids": [int(p) for p in pids.split(",") if p], "append": "append" in parts[4:]})
    messages = None
    for server in servers:
        if server["append"]:
            messages = messages or corpus(args.messages)
            print(f"loading {len(messages)} messages into {server['name']} by APPEND ...", file=sys.stderr, flush=True)
            rate = await load_by_append(server, messages)
            print(f"  {rate:.1f} APPEND/s", file=sys.stderr, flush=True)
    for server in servers:
        count = await exists(server)
        if count != args.messages:
            sys.exit(f"{server['name']}: INBOX has {count} messages, expected {args.messages}")
    print("checking that both servers give the same answers ...", file=sys.stderr, flush=True)
    checks = {s["name"]: await answers(s) for s in servers}
    results = {}
    for server in servers:
        print(f"measuring {server['name']} ...", file=sys.stderr, flush=True)
        results[server["name"]] = await measure(server, args, args.messages)
    names = [s["name"] for s in servers]
    print(f"\n{args.messages} messages, {args.clients} concurrent clients, phases bounded by count and {args.seconds:.0f} s"
          f" (mixed: {args.mixed_seconds:.0f} s)")
    print_table(names, results, args)
    print("\nSame answers? (hit counts of fixed queries, total size)")
    for query in checks[names[0]]:
        values = [checks[n][query] for n in names]
        print(f"  {query:58} " + "  ".join(f"{v}" for v in values) + ("" if len(set(map(str, values))) == 1 else "   <-- differ"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "checks": checks}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("maildir")
    m.add_argument("directory")
    m.add_argument("--messages", type=int, default=1000)
    r = sub.add_parser("run")
    r.add_argument("servers", nargs=2)
    r.add_argument("--messages", type=int, default=1000)
    r.add_argument("--clients", type=int, default=20)
    r.add_argument("--logins", type=int, default=2000, help="LOGIN+LOGOUT cycles in total")
    r.add_argument("--flag-fetches", type=int, default=2000)
    r.add_argument("--body-fetches", type=int, default=10000)
    r.add_argument("--searches", type=int, default=2000, help="per SEARCH criterion")
    r.add_argument("--seconds", type=float, default=30, help="time limit of each phase")
    r.add_argument("--mixed-commands", type=int, default=100000, help="mixed phase: commands in total")
    r.add_argument("--mixed-seconds", type=float, default=30, help="time limit of the mixed phase")
    r.add_argument("--idle", type=int, default=1000, help="IDLE connections (0 skips)")
    r.add_argument("--idle-seconds", type=float, default=180, help="time limit for opening them")
    r.add_argument("--only", nargs="*", help="run only the phase named so (mixed, idle) or those whose name contains it")
    r.add_argument("--json", help="also write the raw results here")
    args = parser.parse_args()
    if args.cmd == "maildir":
        write_maildir(args.directory, args.messages)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * args.idle + 200)), hard))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
