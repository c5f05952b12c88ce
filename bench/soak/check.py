#!/usr/bin/env python3
"""The soak's verdict, from Postfix's log, our gateway's log, the dead letters and the mailbox over IMAP.

  check.py GENERATED POSTFIX_LOG GATEWAY_LOG KILLS DEAD_LETTERS IMAP_PORT USER PASSWORD

GENERATED is generate.py's output (number, Message-ID, Postfix queue id per line); KILLS is run.sh's
record of what it killed when ("<epoch seconds> gateway|pipeline|azurite" per line); DEAD_LETTERS is
`mailcloud queue show <queue> --dead-letter` of every queue. Every message Postfix logged as
delivered (status=sent) must be in the mailbox exactly once. A second copy is explained only when
Postfix's log shows, for that queue id, a delivery attempt that died after the end of DATA ("message
may be sent more than once": the connection was lost or timed out before our reply), and our side
shows that we accepted the copy Postfix never heard about (its id comes from our Received header):
an "Accepted <id>" line in the gateway's log, or, when the gateway was killed with SIGKILL before it
wrote that line (the console logger writes from a queue, which dies with the process), that kill at
the second Postfix lost the connection, after our Received header's time. Prints the evidence for
each duplicate, every dead letter with its reason, and last the line

  sent N, delivered once N, duplicates explained N, duplicates unexplained N, lost N, dead-lettered N

Exits 1 on any loss, unexplained duplicate, message Postfix did not deliver, or mail that is not ours.
"""
import collections
import email.parser
import email.policy
import imaplib
import re
import sys
import time
from email.utils import parsedate_to_datetime

generated_path, postfix_log, gateway_log, kills_path, dead_letters_path = sys.argv[1:6]
imap_port, user, password = int(sys.argv[6]), sys.argv[7], sys.argv[8]
YEAR = time.gmtime().tm_year

# --- what was generated and what Postfix did with it ------------------------------------------
generated = {}  # Postfix queue id -> Message-ID
for line in open(generated_path):
    _, message_id, queue_id = line.split()
    generated[queue_id] = message_id

POSTFIX_LINE = re.compile(r"^(.*?) \S+ postfix/(\w+)\[\d+\]: ([0-9A-F]+): (.*)$")
sent = {}  # queue id -> (our id from "queued as", time)
data_end_losses = collections.defaultdict(list)  # queue id -> [(time, reason)]
bounced = {}
for line in open(postfix_log, errors="replace"):
    match = POSTFIX_LINE.match(line.rstrip("\n"))
    if not match:
        continue
    when, daemon, queue_id, text = match.groups()
    if daemon != "smtp":
        continue
    status = re.search(r"status=(\w+) \((.*)\)$", text)
    if not status:
        continue
    kind, reason = status.groups()
    if kind == "sent":
        ours = re.search(r"queued as (\S+)", reason)
        sent[queue_id] = (ours.group(1) if ours else "?", when)
    elif kind == "deferred" and "may be sent more than once" in reason and not reason.startswith("delivery temporarily suspended"):
        # Postfix's log times are local, to the second, without a year (this machine runs on UTC).
        data_end_losses[queue_id].append((when, time.mktime(time.strptime(f"{YEAR} {when}", "%Y %b %d %H:%M:%S")), reason))
    elif kind == "bounced":
        bounced[queue_id] = reason

# --- what our gateway acknowledged ---------------------------------------------------------------
accepted = {}  # our id -> the log line's time
for line in open(gateway_log, errors="replace"):
    match = re.search(r"Accepted (\S+): \d+ bytes", line)
    if match:
        accepted[match.group(1)] = line.split(" ", 1)[0]

gateway_kills = [float(line.split()[0]) for line in open(kills_path) if line.split()[1:] == ["gateway"]]

# --- dead letters: "<queue message id>  dead-lettered <time>", "  reason: ...", "  from ... in <blob>"
dead = []  # (our id, reason)
reason = None
for line in open(dead_letters_path, errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("  reason: "):
        reason = line[len("  reason: "):]
    elif line.startswith("  ") and reason is not None:
        blob = re.search(r"in (?:\S*/)?([^/\s]+)\.eml$", line)
        dead.append((blob.group(1) if blob else line.strip(), reason))
        reason = None

# --- the mailbox -------------------------------------------------------------------------------
copies = collections.defaultdict(list)  # Message-ID -> [our id]
received_at = {}  # our id -> when our Received header says the gateway took it (epoch seconds)
imap = imaplib.IMAP4("127.0.0.1", imap_port)
imap.login(user, password)
typ, data = imap.select("INBOX", readonly=True)
if int(data[0]) > 0:
    typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID RECEIVED)])")
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for item in data:
        if not isinstance(item, tuple):
            continue
        header = parser.parsebytes(item[1])
        message_id = (header.get("Message-ID") or "").strip().strip("<>")
        ours = "?"
        for received in header.get_all("Received") or []:
            if "(MailCloud)" in received:
                found = re.search(r"\bid (\S+?);?\s", received + " ")
                ours = found.group(1) if found else "?"
                received_at[ours] = parsedate_to_datetime(received.rsplit(";", 1)[1].strip()).timestamp()
                break
        copies[message_id].append(ours)
imap.logout()

def kill_at(loss_epoch, ours):
    """The gateway kill that cut Postfix's connection at loss_epoch (same second, give or take one), after we received the copy."""
    return next((k for k in gateway_kills if abs(k - loss_epoch) <= 2 and received_at.get(ours, float("inf")) <= k + 1), None)


# --- the verdict -------------------------------------------------------------------------------
dead_ids = {ours for ours, _ in dead}
once = explained = unexplained = lost = 0
for queue_id, (postfix_saw, when) in sorted(sent.items()):
    message_id = generated.get(queue_id, f"(not generated: {queue_id})")
    ids = copies.pop(message_id, [])
    if len(ids) == 1:
        once += 1
        if ids[0] != postfix_saw:
            print(f"NOTE {message_id}: the one copy is {ids[0]}, not {postfix_saw}, the one our 250 named to Postfix")
    elif not ids:
        if postfix_saw in dead_ids:
            continue  # dead-lettered: listed below with its reason
        lost += 1
        print(f"LOST {message_id}: Postfix {queue_id} sent at {when}, our id {postfix_saw}, "
              f"{'accepted in our log' if postfix_saw in accepted else 'NOT in our log'}")
    else:
        extra = [ours for ours in ids if ours != postfix_saw]
        losses = list(data_end_losses.get(queue_id, []))
        evidence = []
        all_explained = len(extra) == len(ids) - 1
        for ours in extra:
            # Each connection Postfix lost after the end of DATA explains at most one copy.
            loss = next((l for l in losses if ours in accepted or kill_at(l[1], ours)), None)
            if loss is None:
                evidence.append(f"  {ours}: no connection lost after DATA explains it (accepted in our log: {accepted.get(ours, 'no')})")
                all_explained = False
                continue
            losses.remove(loss)
            loss_when, loss_epoch, loss_reason = loss
            ours_said = (f"our log: {ours} accepted at {accepted[ours]}" if ours in accepted else
                         f"our side: {ours} received at {time.strftime('%H:%M:%S', time.gmtime(received_at[ours]))} "
                         f"(Received header), gateway killed with SIGKILL at {time.strftime('%H:%M:%S', time.gmtime(kill_at(loss_epoch, ours)))} before its 250 and its log line")
            evidence.append(f"  Postfix {queue_id} at {loss_when}: deferred ({loss_reason})\n  {ours_said}")
        ok = all_explained
        explained += ok
        unexplained += not ok
        print(f"DUPLICATE {'explained' if ok else 'UNEXPLAINED'} {message_id} ({len(ids)} copies, our ids {', '.join(ids)}):")
        print("\n".join(evidence))
        print(f"  Postfix {queue_id} at {when}: sent, our reply named {postfix_saw}")

not_delivered = {q: m for q, m in generated.items() if q not in sent}
for queue_id, message_id in sorted(not_delivered.items()):
    print(f"NOT SENT by Postfix {message_id} ({queue_id}): {bounced.get(queue_id, 'still queued or never tried')}")
for message_id, ids in sorted(copies.items()):
    print(f"UNEXPECTED in the mailbox: {message_id or '(no Message-ID)'}, our ids {', '.join(ids)}")
for ours, why in dead:
    print(f"DEAD LETTER {ours}: {why}")

print(f"sent {len(sent)}, delivered once {once}, duplicates explained {explained}, "
      f"duplicates unexplained {unexplained}, lost {lost}, dead-lettered {len(dead)}")
sys.exit(1 if lost or unexplained or not_delivered or copies else 0)
