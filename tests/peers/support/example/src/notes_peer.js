'use strict';
// NotesPeer: the smallest peer on the support library, for copying and for
// the library's own tests. One provider API:
//
//   POST /notes      {"text": "..."} with Idempotency-Key → 201 {id, text}; the same key
//                    answers the same note and creates nothing (operation CreateNote)
//   GET  /notes/{id} → 200 {id, text} or 404 (operation GetNote)
//
// Every call needs `Authorization: Bearer <--token>` (401 otherwise, before
// any fault fires). Effects: notesCreated, requests.byOperation.*, and each
// created note recorded as `notes`. One control route of its own:
// GET /_peer/notes lists them.

const { PeerServer, Faults, readBody, sendJson, BodyTooLarge } = require('../../src');

class NotesPeer extends PeerServer {
  constructor(options) {
    super({ name: 'example-peer', faults: new Faults({ statuses: [429, 500, 503] }) });
    this.options = options;
    this.notes = new Map();
    this.byKey = new Map();
    this.control.route('GET', '/_peer/notes', () => ({ notes: [...this.notes.values()] }));
  }

  reset() {
    super.reset();
    this.notes.clear();
    this.byKey.clear();
  }

  async handle(req, res, url) {
    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      sendJson(res, 401, { error: 'unauthorized' });
      return;
    }
    let body;
    try {
      body = await readBody(req, 64 * 1024);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      sendJson(res, 413, { error: err.message });
      return;
    }
    const fail = (rule) => sendJson(res, rule.status, { error: 'injected' },
      rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) });
    const get = /^\/notes\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/notes') {
      this.effects.count(['requests', 'byOperation', 'CreateNote']);
      await this.faults.perform('CreateNote', res, {
        effect: () => this.createNote(req.headers['idempotency-key'], body),
        answer: ({ status, note }) => sendJson(res, status, note),
        fail,
      });
    } else if (req.method === 'GET' && get) {
      this.effects.count(['requests', 'byOperation', 'GetNote']);
      await this.faults.perform('GetNote', res, {
        effect: () => this.notes.get(decodeURIComponent(get[1])),
        answer: (note) => (note ? sendJson(res, 200, note) : sendJson(res, 404, { error: 'no such note' })),
        fail,
      });
    } else {
      sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    }
  }

  createNote(key, body) {
    if (!key) return { status: 400, note: { error: 'Idempotency-Key is required' } };
    let input;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, note: { error: 'the body must be JSON' } };
    }
    if (typeof input.text !== 'string') return { status: 400, note: { error: 'text is required' } };
    const existing = this.byKey.get(key);
    if (existing) return { status: 201, note: existing };
    const note = { id: `note-${this.notes.size + 1}`, text: input.text };
    this.notes.set(note.id, note);
    this.byKey.set(key, note);
    this.effects.count('notesCreated');
    this.effects.record('notes', note);
    return { status: 201, note };
  }
}

module.exports = { NotesPeer };
