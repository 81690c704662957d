'use strict';
// Posts EventBridge-shaped events to the hub the way an EventBridge API
// destination does: one JSON event per POST, a configured secret header, in
// order, retried on 429/5xx/network errors a few times. Delivery is best
// effort, like EventBridge: an event may be dropped on purpose (faults) or
// given up after the retries.

const crypto = require('node:crypto');

class EventPublisher {
  constructor({ account, region, url, headerName, headerValue, faults, retryDelaysMs = [50, 200, 800] }) {
    this.account = account;
    this.region = region;
    this.url = url || '';
    this.headerName = headerName || 'x-wasl-eventbridge-secret';
    this.headerValue = headerValue || '';
    this.faults = faults;
    this.retryDelaysMs = retryDelaysMs;
    this.queue = [];
    this.busy = false;
    // While held, events are queued in order and none is sent (an
    // EventBridge delivery running late); hold(false) sends them.
    this.held = false;
    this.log = [];  // { id, detailType, eventType, status: 'sent'|'dropped'|'failed'|'unconfigured'|'pending', attempts }
    this.counts = { published: 0, sent: 0, dropped: 0, failed: 0, unconfigured: 0 };
  }

  configure({ url, headerName, headerValue }) {
    if (url !== undefined) this.url = url;
    if (headerName !== undefined) this.headerName = headerName;
    if (headerValue !== undefined) this.headerValue = headerValue;
  }

  reset() {
    this.queue = [];
    this.held = false;
    this.log = [];
    for (const k of Object.keys(this.counts)) this.counts[k] = 0;
  }

  hold(on) {
    this.held = Boolean(on);
    if (!this.held) this.pump();
  }

  pending() {
    return this.queue.length + (this.busy ? 1 : 0);
  }

  // detailType: 'Chime Meeting State Change' | 'Chime Media Pipeline State Change'.
  // atMs: when the event happened (epoch ms); absent: now.
  publish(detailType, detail, atMs) {
    const now = atMs === undefined ? new Date() : new Date(atMs);
    const event = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': detailType,
      source: 'aws.chime',
      account: this.account,
      time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [],
      detail: { version: '0', timestamp: now.getTime(), ...detail },
    };
    const entry = { id: event.id, detailType, eventType: detail.eventType, status: 'pending', attempts: 0, event };
    this.log.push(entry);
    this.counts.published++;
    if (this.faults.takeEventDrop(detail.eventType)) {
      entry.status = 'dropped';
      this.counts.dropped++;
      return event;
    }
    this.queue.push(entry);
    this.pump();
    return event;
  }

  async pump() {
    if (this.busy || this.held) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.held) {
        const entry = this.queue.shift();
        await this.deliver(entry);
      }
    } finally {
      this.busy = false;
    }
  }

  async deliver(entry) {
    if (!this.url) {
      entry.status = 'unconfigured';
      this.counts.unconfigured++;
      return;
    }
    const body = JSON.stringify(entry.event);
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      entry.attempts++;
      try {
        const headers = { 'Content-Type': 'application/json' };
        if (this.headerValue) headers[this.headerName] = this.headerValue;
        const res = await fetch(this.url, {
          method: 'POST', headers, body, signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status < 300) {
          entry.status = 'sent';
          entry.httpStatus = res.status;
          this.counts.sent++;
          return;
        }
        entry.httpStatus = res.status;
        if (res.status !== 429 && res.status < 500) break;  // permanent: EventBridge gives up too
      } catch (err) {
        entry.httpStatus = 0;
      }
      if (attempt < this.retryDelaysMs.length) {
        await new Promise((r) => setTimeout(r, this.retryDelaysMs[attempt]));
      }
    }
    entry.status = 'failed';
    this.counts.failed++;
  }
}

module.exports = { EventPublisher };
