#!/usr/bin/env python3
"""Feeds the soak's Postfix: COUNT messages over SMTP on 127.0.0.1:PORT, each with a unique Message-ID.

  generate.py PORT COUNT RATE RUN_ID QUEUE_DIRECTORY BACKLOG [SECONDS]

At most RATE messages a second, in one SMTP session at a time (a new one every 100 messages), and
none while Postfix's queue (QUEUE_DIRECTORY) holds BACKLOG messages or more: a sender that outruns
the receiver would only grow Postfix's queue, and each time the receiver dies Postfix defers every
message it holds for that destination at once. With SECONDS, it stops early (exit 0) once it has
been sending that long, and says so on standard error: a soak on a slow machine still ends in time.
Prints one line per message Postfix accepted: its number, its Message-ID and Postfix's queue id (from
the "250 2.0.0 Ok: queued as QID" reply). Postfix is never killed, so any failure ends the run with
exit code 1 rather than sending a message twice.
"""
import os
import random
import smtplib
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate

port, count, rate, run_id = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
queue_directory, backlog = sys.argv[5], int(sys.argv[6])
seconds = float(sys.argv[7]) if len(sys.argv) > 7 else float("inf")
PER_SESSION = 100
WORDS = "storage queue spool gateway pipeline route deliver relay bounce mailbox folder index blob".split()


def queued():
    """Messages in Postfix's queue: the files of its incoming, active and deferred queues."""
    return sum(len(files) for name in ("incoming", "active", "deferred")
               for _, _, files in os.walk(os.path.join(queue_directory, name)))


def build(number):
    message = EmailMessage()
    message["From"] = "soak-sender@remote.test"
    message["To"] = "soak@example.test"
    message["Subject"] = f"soak {run_id} message {number}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{run_id}.{number}@soak.test>"
    rng = random.Random(number)
    lines = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(rng.randint(5, 40))]
    message.set_content("\n".join(lines) + "\n")
    return message


start = time.monotonic()
sent = 0
while sent < count and time.monotonic() - start < seconds:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="generator.soak.test", timeout=60) as smtp:
        smtp.ehlo()
        for _ in range(min(PER_SESSION, count - sent)):
            if time.monotonic() - start >= seconds:
                break
            if sent % 20 == 0:
                while queued() >= backlog:
                    time.sleep(0.2)
            pause = start + sent / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            message = build(sent)
            code, reply = smtp.mail("soak-sender@remote.test")
            if code == 250:
                code, reply = smtp.rcpt("soak@example.test")
            if code == 250:
                code, reply = smtp.data(message.as_bytes())
            if code != 250:
                sys.exit(f"Postfix refused message {sent}: {code} {reply.decode(errors='replace')}")
            queue_id = reply.decode().rsplit(" ", 1)[-1]
            print(sent, message["Message-ID"].strip("<>"), queue_id, flush=True)
            sent += 1

if sent < count:
    print(f"stopped after {seconds:.0f} s: {sent} of {count} messages sent", file=sys.stderr)
