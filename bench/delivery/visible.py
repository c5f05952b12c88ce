#!/usr/bin/env python3
"""Waits until every mailbox shows its expected message count over IMAP, and prints the time.

  visible.py PORT PASSWORD EXPECTED_PER_MAILBOX USER [USER ...]

Polls STATUS INBOX (MESSAGES) over plain IMAP on 127.0.0.1, at most WINDOW mailboxes (logged in
at once, within any server's per-client connection limit) at a time: a window's sessions poll until
all its mailboxes are complete, then the next window is opened. Prints the wall-clock time
(time.time()) at which the last mailbox was seen complete; exits 1 after 600 s.
"""
import imaplib
import re
import sys
import time

WINDOW = 8
port, password, expected = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
users = sys.argv[4:]
deadline = time.time() + 600


def count(session):
    typ, data = session.status("INBOX", "(MESSAGES)")
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


for start in range(0, len(users), WINDOW):
    sessions = {}
    for user in users[start:start + WINDOW]:
        session = imaplib.IMAP4("127.0.0.1", port)
        session.login(user, password)
        sessions[user] = session
    pending = set(sessions)
    while pending:
        for user in list(pending):
            if count(sessions[user]) >= expected:
                pending.discard(user)
        if pending:
            if time.time() > deadline:
                print(f"timed out: {len(pending)} mailboxes incomplete", file=sys.stderr)
                sys.exit(1)
            time.sleep(0.05)
    for session in sessions.values():
        session.logout()

print(f"{time.time():.3f}")
