"""An IMAP4rev1 session with Python's imaplib against MailCloud: argv = port user password.

Exits non-zero (AssertionError) at the first answer that is not as expected.
"""
import imaplib
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
imap = imaplib.IMAP4("127.0.0.1", port)
assert "IMAP4REV1" in imap.capabilities, imap.capabilities

typ, _ = imap.login(user, password)
assert typ == "OK"

# A rev1 client names mailboxes in modified UTF-7 (RFC 3501 5.1.3): "Entwürfe".
typ, _ = imap.create("Entw&APw-rfe")
assert typ == "OK"
typ, listing = imap.list()
assert typ == "OK"
names = [line.decode() for line in listing]
assert any(n.endswith('"Entw&APw-rfe"') for n in names), names
assert any("\\Sent" in n for n in names), names

typ, data = imap.select("INBOX")
assert typ == "OK" and data == [b"1"], data

typ, data = imap.fetch("1", "(FLAGS ENVELOPE BODYSTRUCTURE)")
assert typ == "OK"
response = data[0].decode()
assert '"mixed"' in response and '"report.pdf"' in response and "<m1@example.org>" in response, response

# BINARY (RFC 3516): the base64 attachment, decoded by the server.
assert "BINARY" in imap.capabilities and "MULTIAPPEND" in imap.capabilities, imap.capabilities
typ, data = imap.fetch("1", "(BINARY.PEEK[2] BINARY.SIZE[2])")
assert typ == "OK" and data[0][0] == b"1 (BINARY[2] {19}", data
assert data[0][1] == "%PDF-1.4\n%äüöß\n".encode(), data
assert data[1] == b" BINARY.SIZE[2] 19)", data

typ, data = imap.search(None, "UNSEEN")
assert data == [b"1"], data
typ, data = imap.store("1", "+FLAGS", "(\\Seen)")
assert typ == "OK" and b"\\Seen" in data[0], data
typ, data = imap.search(None, "SEEN")
assert data == [b"1"], data

typ, data = imap.uid("COPY", "1", "Entw&APw-rfe")
assert typ == "OK", data
typ, data = imap.status("Entw&APw-rfe", "(MESSAGES)")
assert typ == "OK" and b"MESSAGES 1" in data[0], data

typ, _ = imap.store("1", "+FLAGS", "(\\Deleted)")
typ, data = imap.expunge()
assert typ == "OK" and data == [b"1"], data

imap.close()
imap.logout()
print("imaplib session ok")
