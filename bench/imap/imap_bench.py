#!/usr/bin/env python3
"""The same IMAP client load against two servers, side by side: logins/s, FETCH and SEARCH
commands/s, and server memory per idle IDLE connection. Loopback only; bounded in count and time.

usage: imap_bench.py NAME=PORT:USER:PASSWORD:PIDS [NAME=...] [--messages N] [--idle N]
PIDS is a comma-separated list of server process ids whose resident memory is summed
(for Dovecot: the master; its children are included automatically).
"""
import argparse
import imaplib
import os
import resource
import socket
import time

MESSAGE = (
    "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Benchmark {n}\r\n"
    "Date: Wed, 11 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bench-{n}@example.com>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n" + ("Lorem ipsum dolor sit amet. " * 40 + "\r\n") * 4
)


def rss_kib(pids):
    """Resident memory of the processes and all their descendants, in KiB."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, list(pids)
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def timed(count, action):
    start = time.perf_counter()
    for i in range(count):
        action(i)
    return count / (time.perf_counter() - start)


def prepare(server, messages):
    imap = imaplib.IMAP4("127.0.0.1", server["port"])
    imap.login(server["user"], server["password"])
    imap.select("INBOX")
    typ, data = imap.search(None, "ALL")
    existing = len(data[0].split())
    for n in range(existing, messages):
        imap.append("INBOX", None, None, MESSAGE.format(n=n).encode())
    imap.logout()


def measure(server, logins, rounds, idle):
    port, user, password = server["port"], server["user"], server["password"]
    result = {}

    def login(_):
        imap = imaplib.IMAP4("127.0.0.1", port)
        imap.login(user, password)
        imap.logout()

    result["logins/s"] = timed(logins, login)

    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, password)
    imap.select("INBOX", readonly=True)
    result["FETCH 1:* (FLAGS RFC822.SIZE)/s"] = timed(rounds, lambda _: imap.fetch("1:*", "(FLAGS RFC822.SIZE)"))
    result["FETCH n BODY.PEEK[]/s"] = timed(rounds, lambda i: imap.fetch(str(i % 20 + 1), "(BODY.PEEK[])"))
    result["FETCH n ENVELOPE BODYSTRUCTURE/s"] = timed(rounds, lambda i: imap.fetch(str(i % 20 + 1), "(ENVELOPE BODYSTRUCTURE)"))
    result["SEARCH UNSEEN/s"] = timed(rounds, lambda _: imap.search(None, "UNSEEN"))
    result["SEARCH SUBJECT (opens messages)/s"] = timed(max(rounds // 10, 1), lambda _: imap.search(None, "SUBJECT", "\"Benchmark 7\""))
    imap.logout()

    before = rss_kib(server["pids"])
    sockets = []
    deadline = time.monotonic() + 300
    for i in range(idle):
        if time.monotonic() > deadline:
            break
        s = socket.create_connection(("127.0.0.1", port))
        s.settimeout(30)
        reader = s.makefile("rb")
        reader.readline()
        s.sendall(f'a LOGIN {user} "{password}"\r\nb SELECT INBOX\r\nc IDLE\r\n'.encode())
        line = reader.readline()
        while line and not line.startswith((b"+", b"* BYE", b"a NO", b"b NO", b"c BAD")):
            line = reader.readline()
        if not line.startswith(b"+"):
            # The server refused more connections: measure what was reached.
            reader.close()
            s.close()
            break
        sockets.append((s, reader))
    time.sleep(2)
    after = rss_kib(server["pids"])
    result[f"KiB per IDLE connection ({len(sockets)})"] = (after - before) / max(len(sockets), 1)
    for s, reader in sockets:
        try:
            s.sendall(b"DONE\r\nd LOGOUT\r\n")
        except OSError:
            pass
        reader.close()
        s.close()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("servers", nargs="+")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.idle + 100)), hard))

    servers = []
    for spec in args.servers:
        name, rest = spec.split("=", 1)
        port, user, password, pids = rest.split(":", 3)
        servers.append({"name": name, "port": int(port), "user": user, "password": password, "pids": [int(p) for p in pids.split(",") if p]})

    results = {}
    for server in servers:
        prepare(server, args.messages)
        results[server["name"]] = measure(server, args.logins, args.rounds, args.idle)

    names = [s["name"] for s in servers]
    print(f"{'metric':42}" + "".join(f"{n:>14}" for n in names) + (f"{'ratio':>10}" if len(names) == 2 else ""))
    for metric in results[names[0]]:
        values = [results[n][metric] for n in names]
        line = f"{metric:42}" + "".join(f"{v:14.1f}" for v in values)
        if len(values) == 2 and values[0]:
            line += f"{values[1] / values[0]:10.2f}"
        print(line)


if __name__ == "__main__":
    main()
