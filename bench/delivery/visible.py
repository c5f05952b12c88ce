#!/usr/bin/env python3
"""Waits until every mailbox shows its expected message count over IMAP, and prints the time.

  visible.py PORT PASSWORD EXPECTED_PER_MAILBOX USER [USER ...]

Logs in to each mailbox once (plain IMAP on 127.0.0.1), then polls STATUS INBOX (MESSAGES)
on the mailboxes not yet complete until all are, or 600 s pass. Prints the wall-clock time
(time.time()) at which the last mailbox was seen complete; exits 1 on timeout.
"""
import imaplib
import re
import sys
import time

port, password, expected = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
users = sys.argv[4:]
sessions = {}
for user in users:
    session = imaplib.IMAP4("127.0.0.1", port)
    session.login(user, password)
    sessions[user] = session

pending = set(users)
deadline = time.time() + 600
while pending:
    for user in list(pending):
        typ, data = sessions[user].status("INBOX", "(MESSAGES)")
        count = int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))
        if count >= expected:
            pending.discard(user)
    if pending:
        if time.time() > deadline:
            print(f"timed out: {len(pending)} mailboxes incomplete", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.05)

print(f"{time.time():.3f}")
for session in sessions.values():
    session.logout()
