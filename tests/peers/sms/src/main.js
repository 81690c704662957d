#!/usr/bin/env node
'use strict';
// Starts the SMS gateway peer on loopback (runPeer: the port file,
// {"port":N} on stdout once it accepts connections, a graceful stop on
// SIGINT/SIGTERM). Every option has an environment variable (SMS_PEER_…);
// a flag wins.

const { runPeer, UsageError } = require('../../support');
const { SmsPeer } = require('./sms_peer');
const { FINAL_STATUSES } = require('./receipts');

runPeer({
  name: 'sms-peer',
  envPrefix: 'SMS_PEER',
  notes: 'An HTTP SMS gateway (POST /v1/messages) with signed delivery receipts; control API under /_peer/.',
  options: {
    apiKey: { flag: '--api-key', default: 'sms-sandbox-key', help: 'the bearer API key it requires' },
    senders: { flag: '--senders', default: ['Wasl'], type: 'list', help: 'the registered sender names, comma-separated' },
    recipientPrefixes: {
      flag: '--recipient-prefixes', default: [], type: 'list',
      help: 'digits a recipient must start with (e.g. 966); none: any E.164 number',
    },
    maxSegments: { flag: '--max-segments', default: 20, type: 'integer', min: 1, help: 'the most parts one message may take' },
    receiptUrl: { flag: '--receipt-url', default: '', help: 'where delivery receipts are POSTed (none: no receipts)' },
    receiptSecret: { flag: '--receipt-secret', default: 'sms-sandbox-receipt-secret', help: 'the HMAC-SHA256 key of X-Signature' },
    receiptDelayMs: { flag: '--receipt-delay-ms', default: 500, type: 'integer', help: 'from acceptance to the receipt' },
    receiptStatus: { flag: '--receipt-status', default: 'DELIVERED', help: `what receipts report: ${FINAL_STATUSES.join(', ')}` },
  },
  check: (values) => {
    if (values.senders.length === 0) throw new UsageError('--senders needs at least one name');
    if (!FINAL_STATUSES.includes(values.receiptStatus)) {
      throw new UsageError(`--receipt-status must be one of ${FINAL_STATUSES.join(', ')}`);
    }
    if (!values.receiptSecret) throw new UsageError('--receipt-secret must not be empty');
    if (values.receiptUrl) {
      let url;
      try {
        url = new URL(values.receiptUrl);
      } catch {
        throw new UsageError(`--receipt-url is not a URL: ${values.receiptUrl}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--receipt-url must be http(s)');
    }
    if (values.recipientPrefixes.some((p) => !/^[1-9][0-9]*$/.test(p))) {
      throw new UsageError('--recipient-prefixes are country codes in digits, e.g. 966');
    }
  },
  create: (options) => new SmsPeer(options),
});
