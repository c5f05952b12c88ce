// A third, independent client: imapflow (the IMAP library of Nodemailer and EmailEngine).
// Usage: node imapflow_session.mjs <port> <user> <password>. Prints "imapflow session ok" at the end;
// any mismatch throws, and the process exits non-zero with the reason.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

// The package is in the repository's node_modules (package.json), three folders up from here.
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { ImapFlow } = require('imapflow');

const [port, user, pass] = process.argv.slice(2);
const connect = async () => {
    const client = new ImapFlow({
        host: '127.0.0.1',
        port: Number(port),
        secure: false,
        tls: { rejectUnauthorized: false },
        auth: { user, pass },
        logger: false,
    });
    await client.connect();
    return client;
};

const message = (subject) =>
    `From: Ann <ann@example.com>\r\nTo: ${user}\r\nSubject: ${subject}\r\n` +
    `Date: Wed, 11 Mar 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\nHello.\r\n`;

const client = await connect();
assert.ok(client.secureConnection, 'imapflow upgrades with STARTTLS when it is offered');
assert.ok(client.capabilities.has('CONDSTORE') && client.capabilities.has('UIDPLUS'));

const folders = await client.list();
assert.deepEqual(
    folders.filter(f => f.specialUse).map(f => `${f.path} ${f.specialUse}`).sort(),
    ['Archive \\Archive', 'Drafts \\Drafts', 'INBOX \\Inbox', 'Junk \\Junk', 'Sent \\Sent', 'Trash \\Trash']);

await client.mailboxCreate('Reisen/Übersee');
assert.ok((await client.list()).some(f => f.path === 'Reisen/Übersee'), 'non-ASCII names round-trip (modified UTF-7)');

const appended = await client.append('INBOX', message('first'), ['\\Seen'], new Date('2026-03-11T10:00:00Z'));
assert.equal(appended.uid, 1);
await client.append('INBOX', message('second'));

let lock = await client.getMailboxLock('INBOX');
try {
    assert.equal(client.mailbox.exists, 2);
    const modseq = client.mailbox.highestModseq;

    const fetched = [];
    for await (const msg of client.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, source: true })) {
        fetched.push(msg);
    }
    assert.deepEqual(fetched.map(m => m.envelope.subject), ['first', 'second']);
    assert.ok(fetched[0].flags.has('\\Seen') && !fetched[1].flags.has('\\Seen'));
    assert.equal(fetched[1].source.toString(), message('second'));
    assert.equal(fetched[1].bodyStructure.type, 'text/plain');

    assert.deepEqual(await client.search({ seen: false }, { uid: true }), [2]);
    assert.deepEqual(await client.search({ subject: 'first' }, { uid: true }), [1]);

    await client.messageFlagsAdd({ uid: '2' }, ['\\Flagged', '$Important'], { uid: true });
    const changed = [];
    for await (const msg of client.fetch('1:*', { uid: true, flags: true }, { changedSince: modseq })) {
        changed.push(msg);
    }
    assert.deepEqual(changed.map(m => m.uid), [2], 'CHANGEDSINCE returns only the message whose flags changed');
    assert.ok(changed[0].flags.has('$Important') && changed[0].flags.has('\\Flagged'));
    assert.ok(changed[0].modseq > modseq);

    // New mail from another session arrives while this one idles.
    const arrived = new Promise(resolve => client.once('exists', resolve));
    const idling = client.idle();
    const other = await connect();
    await other.append('INBOX', message('third'));
    await other.logout();
    const exists = await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error('no EXISTS during IDLE')), 10000))]);
    assert.equal(exists.count, 3);
    await client.noop(); // ends IDLE
    await idling;

    const moved = await client.messageMove({ uid: '1' }, 'Archive', { uid: true });
    assert.deepEqual([...moved.uidMap.keys()], [1]);
    assert.equal(await client.messageDelete({ uid: '3' }, { uid: true }), true);
} finally {
    lock.release();
}

lock = await client.getMailboxLock('INBOX');
try {
    const left = [];
    for await (const msg of client.fetch('1:*', { uid: true, envelope: true })) {
        left.push(`${msg.uid} ${msg.envelope.subject}`);
    }
    assert.deepEqual(left, ['2 second']);
} finally {
    lock.release();
}

const archive = await client.status('Archive', { messages: true, uidNext: true });
assert.equal(archive.messages, 1);
await client.logout();
console.log('imapflow session ok');
