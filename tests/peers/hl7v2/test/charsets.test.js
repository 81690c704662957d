'use strict';
// Arabic names in each charset: the bytes on the wire, decoded with
// iconv-lite, give back the UTF-8 source; MSH-18 names the charset; the
// hub's ACK is read in it too.
const test = require('node:test');
const assert = require('node:assert');
const { startPeer, startHub, iconv } = require('./helpers');

const ARABIC = {
  family: 'العتيبي', given: 'عبدالرحمن', middle: 'خالد',
  practitioner_family: 'الغامدي', practitioner_given: 'ريم', service_text: 'استشارة عن بعد',
};

for (const [charset, msh18, encoding] of [
  ['UTF-8', 'UNICODE UTF-8', 'utf-8'],
  ['ISO-8859-6', '8859/6', 'iso-8859-6'],
  ['WINDOWS-1256', 'WINDOWS-1256', 'windows-1256'],
]) {
  test(`${charset}: Arabic names round-trip, MSH-18 ${msh18}`, async () => {
    const hub = await startHub({ encoding, answer: () => ({ code: 'AA', text: 'تم الاستلام' }) });
    const peer = await startPeer({ hubPort: hub.port });
    try {
      for (const type of ['SIU^S12', 'ADT^A04']) {
        const { status, body } = await peer.control('POST', '/_peer/send', { type, charset, ...ARABIC });
        assert.strictEqual(status, 200, JSON.stringify(body));
        assert.strictEqual(body.ack_code, 'AA');
        assert.strictEqual(body.acks[0].text, 'تم الاستلام', 'the ACK decoded in the charset');
        const { raw } = hub.received[hub.received.length - 1];
        assert.strictEqual(raw.length, body.bytes);
        const text = iconv.decode(raw, encoding);
        assert.strictEqual(text, body.message);
        const segments = text.split('\r').map((s) => s.split('|'));
        const field = (name, i) => segments.find((s) => s[0] === name)[name === 'MSH' ? i - 1 : i];
        assert.strictEqual(field('MSH', 18), msh18);
        assert.strictEqual(field('PID', 5), `${ARABIC.family}^${ARABIC.given}^${ARABIC.middle}^^^^L`);
        assert.strictEqual(field('PV1', 7).split('^').slice(1, 3).join(' '), `${ARABIC.practitioner_family} ${ARABIC.practitioner_given}`);
        if (type === 'SIU^S12') assert.strictEqual(field('AIS', 3).split('^')[1], ARABIC.service_text);
        // One byte per Arabic letter in the single-byte charsets, two in UTF-8.
        const nameBytes = iconv.encode(ARABIC.family, encoding).length;
        assert.strictEqual(nameBytes, encoding === 'utf-8' ? 2 * ARABIC.family.length : ARABIC.family.length);
        assert.ok(raw.includes(iconv.encode(ARABIC.family, encoding)), 'the name is on the wire in the charset');
      }
    } finally {
      await peer.close();
      await hub.stop();
    }
  });
}
