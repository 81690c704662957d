'use strict';
// The Twilio Video v1 emulator: REST routes under /v1 (HTTP Basic with the API
// key SID and secret, or the account SID and auth token), media under /_media
// (pre-signed, no auth, as Twilio's media redirect targets), and the control
// API under /_peer for the tests. Plain node:http, loopback only.

const crypto = require('node:crypto');
const { PeerServer, ControlError, BodyTooLarge, readBody } = require('../../support');
const { TwilioFaults, TWILIO_STATUS } = require('./faults');
const { CallbackPublisher } = require('./callbacks');
const { VideoService } = require('./video_service');
const { TwilioError, errors } = require('./twilio_errors');
const { checkAccessToken } = require('./token_check');
const { mediaStream, mediaDigest } = require('./media_bytes');

class Form {
  constructor(text) {
    this.params = new URLSearchParams(text);
  }

  one(name) {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  all(name) {
    return this.params.getAll(name);
  }

  entries() {
    return [...this.params.entries()];
  }
}

// [method, pattern, operationId, handler name]
const ROUTES = [
  ['POST', /^\/v1\/Rooms$/, 'CreateRoom', 'createRoom'],
  ['GET', /^\/v1\/Rooms$/, 'ListRoom', 'listRooms'],
  ['GET', /^\/v1\/Rooms\/([^/]+)$/, 'FetchRoom', 'fetchRoom'],
  ['POST', /^\/v1\/Rooms\/([^/]+)$/, 'UpdateRoom', 'updateRoom'],
  ['GET', /^\/v1\/Rooms\/([^/]+)\/Participants$/, 'ListRoomParticipant', 'listParticipants'],
  ['GET', /^\/v1\/Rooms\/([^/]+)\/Participants\/([^/]+)$/, 'FetchRoomParticipant', 'fetchParticipant'],
  ['POST', /^\/v1\/Rooms\/([^/]+)\/Participants\/([^/]+)$/, 'UpdateRoomParticipant', 'updateParticipant'],
  ['GET', /^\/v1\/Rooms\/([^/]+)\/RecordingRules$/, 'FetchRoomRecordingRule', 'fetchRules'],
  ['POST', /^\/v1\/Rooms\/([^/]+)\/RecordingRules$/, 'UpdateRoomRecordingRule', 'updateRules'],
  ['GET', /^\/v1\/Rooms\/([^/]+)\/Recordings$/, 'ListRoomRecording', 'listRoomRecordings'],
  ['GET', /^\/v1\/Rooms\/([^/]+)\/Recordings\/([^/]+)$/, 'FetchRoomRecording', 'fetchRoomRecording'],
  ['DELETE', /^\/v1\/Rooms\/([^/]+)\/Recordings\/([^/]+)$/, 'DeleteRoomRecording', 'deleteRoomRecording'],
  ['GET', /^\/v1\/Recordings$/, 'ListRecording', 'listRecordings'],
  ['GET', /^\/v1\/Recordings\/([^/]+)$/, 'FetchRecording', 'fetchRecording'],
  ['DELETE', /^\/v1\/Recordings\/([^/]+)$/, 'DeleteRecording', 'deleteRecording'],
  ['GET', /^\/v1\/Recordings\/([^/]+)\/Media$/, 'FetchRecordingMedia', 'recordingMedia'],
  ['POST', /^\/v1\/Compositions$/, 'CreateComposition', 'createComposition'],
  ['GET', /^\/v1\/Compositions$/, 'ListComposition', 'listCompositions'],
  ['GET', /^\/v1\/Compositions\/([^/]+)$/, 'FetchComposition', 'fetchComposition'],
  ['DELETE', /^\/v1\/Compositions\/([^/]+)$/, 'DeleteComposition', 'deleteComposition'],
  ['GET', /^\/v1\/Compositions\/([^/]+)\/Media$/, 'FetchCompositionMedia', 'compositionMedia'],
];

class TwilioPeer extends PeerServer {
  constructor(options) {
    super({ name: 'twilio-peer', faults: new TwilioFaults() });
    this.options = {
      accountSid: 'AC00000000000000000000000000000000',
      authToken: 'wasl-test-auth-token',
      apiKeySid: 'SK00000000000000000000000000000000',
      apiKeySecret: 'wasl-test-api-key-secret',
      minuteMs: 60000,
      compositionMs: 200,
      mediaBytes: 1 << 20,
      mediaSeed: 'wasl-twilio-peer',
      ...options,
    };
    this.mediaKey = crypto.randomBytes(32);
    this.callbacks = new CallbackPublisher({ authToken: this.options.authToken, faults: this.faults });
    this.video = new VideoService(this.options, (url, params) => this.callbacks.publish(url, params));
    this.requests = [];
    this.counts = { total: 0, unauthenticated: 0, byOperation: {} };
    this.addControlRoutes();
  }

  close() {
    this.video.reset();
    return super.close();
  }

  reset() {
    super.reset();
    this.video.reset();
    this.callbacks.reset();
    this.requests = [];
    this.counts = { total: 0, unauthenticated: 0, byOperation: {} };
  }

  effectsView() {
    return {
      ...this.video.effects,
      roomsInProgress: [...this.video.rooms.values()].filter((r) => r.status === 'in-progress').length,
      requests: this.counts,
      callbacks: this.callbacks.counts(),
    };
  }

  controlError(err) {
    return err instanceof TwilioError ? new ControlError(err.status, err.message) : null;
  }

  errorAnswer(res) {
    this.send(res, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
  }

  // ---- plumbing -----------------------------------------------------------

  async handle(req, res, url) {
    let body;
    try {
      body = (await readBody(req)).toString('utf8');
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      this.send(res, 413, { code: 20413, message: err.message, status: 413 });
      return;
    }
    // Paging links use the origin the client called.
    const callUrl = new URL(req.url, `http://${req.headers.host || '127.0.0.1'}`);
    try {
      if (url.pathname.startsWith('/_media/')) {
        this.media(req, res, callUrl);
      } else {
        await this.rest(req, res, callUrl, body);
      }
    } catch (err) {
      if (!(err instanceof TwilioError)) throw err;
      this.send(res, err.status, err.body(), err.headers);
    }
  }

  send(res, status, json, headers = {}) {
    const text = json === undefined ? '' : JSON.stringify(json);
    res.writeHead(status, {
      ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
      'Content-Length': Buffer.byteLength(text),
      'Twilio-Request-Id': `RQ${crypto.randomBytes(16).toString('hex')}`,
      ...headers,
    });
    res.end(text);
  }

  authorized(req) {
    const header = req.headers.authorization || '';
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (!m) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    const eq = (a, b) => {
      const x = Buffer.from(a);
      const y = Buffer.from(b);
      return x.length === y.length && crypto.timingSafeEqual(x, y);
    };
    return (eq(user, this.options.apiKeySid) && eq(pass, this.options.apiKeySecret))
      || (eq(user, this.options.accountSid) && eq(pass, this.options.authToken));
  }

  page(url, key, items, toJson) {
    const sizeText = url.searchParams.get('PageSize');
    const pageSize = sizeText === null ? 50 : Number(sizeText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw errors.invalid('PageSize must be 1..1000');
    const page = Number(url.searchParams.get('Page') || '0');
    if (!Number.isInteger(page) || page < 0) throw errors.invalid('Page must be a non-negative integer');
    const slice = items.slice(page * pageSize, (page + 1) * pageSize);
    const pageUrl = (p) => {
      const u = new URL(url.href);
      u.searchParams.set('PageSize', String(pageSize));
      u.searchParams.set('Page', String(p));
      return u.href;
    };
    return {
      [key]: slice.map(toJson),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: (page + 1) * pageSize < items.length ? pageUrl(page + 1) : null,
        key,
      },
    };
  }

  // ---- REST ---------------------------------------------------------------

  async rest(req, res, url, body) {
    this.counts.total += 1;
    let route = null;
    let match = null;
    for (const r of ROUTES) {
      if (r[0] !== req.method) continue;
      match = r[1].exec(url.pathname);
      if (match) {
        route = r;
        break;
      }
    }
    const operation = route ? route[2] : 'Unknown';
    const form = new Form(req.method === 'POST' ? body : '');
    this.requests.push({
      at: new Date().toISOString(), method: req.method, path: url.pathname, query: url.search, operation,
      contentType: req.headers['content-type'] || null, body: req.method === 'POST' ? body : '',
      form: form.entries(),
    });
    if (!this.authorized(req)) {
      this.counts.unauthenticated += 1;
      throw errors.authenticate();
    }
    if (!route) throw errors.notFound(url.pathname);
    if (req.method === 'POST' && body.length > 0
        && !/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] || '')) {
      throw new TwilioError(415, 20415, 'Content-Type must be application/x-www-form-urlencoded');
    }
    this.counts.byOperation[operation] = (this.counts.byOperation[operation] || 0) + 1;
    const args = match.slice(1).map(decodeURIComponent);
    await this.faults.perform(operation, res, {
      effect: () => this[route[3]](url, form, ...args),
      answer: (result) => {
        if (result.redirect) {
          this.send(res, 302, { redirect_to: result.redirect }, { Location: result.redirect });
        } else {
          this.send(res, result.status, result.json);
        }
      },
      fail: (rule) => this.failWith(rule),
    });
  }

  failWith(fault) {
    const s = TWILIO_STATUS[fault.status];
    const headers = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
    throw new TwilioError(fault.status, s.code, s.message, headers);
  }

  createRoom(url, form) {
    return { status: 201, json: this.video.roomJson(this.video.createRoom(form)) };
  }

  listRooms(url) {
    return { status: 200, json: this.page(url, 'rooms', this.video.listRooms(url.searchParams), (r) => this.video.roomJson(r)) };
  }

  fetchRoom(url, form, sid) {
    return { status: 200, json: this.video.roomJson(this.video.room(sid)) };
  }

  updateRoom(url, form, sid) {
    return { status: 200, json: this.video.roomJson(this.video.updateRoom(sid, form)) };
  }

  listParticipants(url, form, roomSid) {
    const room = this.video.room(roomSid);
    return {
      status: 200,
      json: this.page(url, 'participants', this.video.listParticipants(room, url.searchParams), (p) => this.video.participantJson(room, p)),
    };
  }

  fetchParticipant(url, form, roomSid, sid) {
    const room = this.video.room(roomSid);
    return { status: 200, json: this.video.participantJson(room, this.video.participant(room, sid)) };
  }

  updateParticipant(url, form, roomSid, sid) {
    const room = this.video.room(roomSid);
    return { status: 200, json: this.video.participantJson(room, this.video.updateParticipant(room, sid, form)) };
  }

  rulesJson(room) {
    return {
      room_sid: room.sid,
      date_created: this.video.iso(room.createdMs),
      date_updated: this.video.iso(room.rulesUpdatedMs),
      rules: room.rules,
    };
  }

  fetchRules(url, form, roomSid) {
    return { status: 200, json: this.rulesJson(this.video.room(roomSid)) };
  }

  updateRules(url, form, roomSid) {
    return { status: 200, json: this.rulesJson(this.video.updateRules(this.video.room(roomSid), form)) };
  }

  listRoomRecordings(url, form, roomSid) {
    const room = this.video.room(roomSid);
    return { status: 200, json: this.page(url, 'recordings', this.video.listRecordings(url.searchParams, room.sid), (r) => this.video.recordingJson(r)) };
  }

  fetchRoomRecording(url, form, roomSid, sid) {
    const room = this.video.room(roomSid);
    const r = this.video.recording(sid);
    if (r.roomSid !== room.sid) throw errors.notFound(`/Rooms/${roomSid}/Recordings/${sid}`);
    return { status: 200, json: this.video.recordingJson(r) };
  }

  deleteRoomRecording(url, form, roomSid, sid) {
    const room = this.video.room(roomSid);
    if (this.video.recording(sid).roomSid !== room.sid) throw errors.notFound(`/Rooms/${roomSid}/Recordings/${sid}`);
    this.video.deleteRecording(sid);
    return { status: 204 };
  }

  listRecordings(url) {
    return { status: 200, json: this.page(url, 'recordings', this.video.listRecordings(url.searchParams), (r) => this.video.recordingJson(r)) };
  }

  fetchRecording(url, form, sid) {
    return { status: 200, json: this.video.recordingJson(this.video.recording(sid)) };
  }

  deleteRecording(url, form, sid) {
    this.video.deleteRecording(sid);
    return { status: 204 };
  }

  recordingMedia(url, form, sid) {
    const r = this.video.recording(sid);
    if (r.status !== 'completed') throw errors.mediaNotReady();
    this.video.effects.mediaFetches += 1;
    return { redirect: this.mediaUrl(url, 'recordings', sid, Number(url.searchParams.get('Ttl') || 3600)) };
  }

  createComposition(url, form) {
    return { status: 201, json: this.video.compositionJson(this.video.createComposition(form)) };
  }

  listCompositions(url) {
    return { status: 200, json: this.page(url, 'compositions', this.video.listCompositions(url.searchParams), (c) => this.video.compositionJson(c)) };
  }

  fetchComposition(url, form, sid) {
    return { status: 200, json: this.video.compositionJson(this.video.composition(sid)) };
  }

  deleteComposition(url, form, sid) {
    this.video.deleteComposition(sid);
    return { status: 204 };
  }

  compositionMedia(url, form, sid) {
    const c = this.video.composition(sid);
    if (c.status !== 'completed') throw errors.mediaNotReady();
    this.video.effects.mediaFetches += 1;
    return { redirect: this.mediaUrl(url, 'compositions', sid, Number(url.searchParams.get('Ttl') || 3600)) };
  }

  // ---- media (pre-signed, like the storage URLs Twilio redirects to) ----------

  mediaSignature(path, expires) {
    return crypto.createHmac('sha256', this.mediaKey).update(`${path}|${expires}`).digest('hex');
  }

  mediaUrl(url, kind, sid, ttlSeconds) {
    const ttl = Number.isInteger(ttlSeconds) && ttlSeconds > 0 ? Math.min(ttlSeconds, 3600) : 3600;
    const path = `/_media/${kind}/${sid}`;
    const expires = Math.floor(Date.now() / 1000) + ttl;
    return `${url.origin}${path}?Expires=${expires}&Signature=${this.mediaSignature(path, expires)}`;
  }

  media(req, res, url) {
    const m = /^\/_media\/(recordings|compositions)\/([^/]+)$/.exec(url.pathname);
    const expires = Number(url.searchParams.get('Expires'));
    const sig = url.searchParams.get('Signature') || '';
    const good = m && Number.isInteger(expires) && sig.length === 64
      && crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(this.mediaSignature(url.pathname, expires)));
    if (!good) {
      this.send(res, 403, { message: 'bad media signature' });
      return;
    }
    if (expires < Math.floor(Date.now() / 1000)) {
      this.send(res, 403, { message: 'media URL expired' });
      return;
    }
    const [, kind, sid] = m;
    const item = kind === 'recordings' ? this.video.recordings.get(sid) : this.video.compositions.get(sid);
    if (!item || item.status !== 'completed') {
      this.send(res, 404, { message: 'no such media' });
      return;
    }
    const size = item.size;
    const type = kind === 'recordings' ? 'audio/x-matroska' : (item.format === 'mp4' ? 'video/mp4' : 'video/webm');
    let start = 0;
    let end = size;
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const r = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (!r || (r[1] === '' && r[2] === '')) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      if (r[1] === '') {
        start = Math.max(0, size - Number(r[2]));
      } else {
        start = Number(r[1]);
        end = r[2] === '' ? size : Math.min(size, Number(r[2]) + 1);
      }
      if (start >= size || start >= end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
    }
    const headers = { 'Content-Type': type, 'Content-Length': end - start, 'Accept-Ranges': 'bytes' };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    mediaStream(this.video.mediaSeed(kind, sid), start, end).pipe(res);
  }

  // ---- control API ----------------------------------------------------------

  // Beside the support library's effects, faults and reset (effectsView()
  // and reset() above). Twilio errors a route throws answer with their status.
  addControlRoutes() {
    this.control
      .route('GET', '/_peer/requests', () => ({ requests: this.requests }))
      .route('GET', '/_peer/rooms', () => ({
        rooms: [...this.video.rooms.values()].map((r) => ({
          ...this.video.roomJson(r),
          end_reason: r.endReason || null,
          rules: r.rules,
          participants: r.participants.map((p) => ({ sid: p.sid, identity: p.identity, status: p.status })),
        })),
      }))
      .route('GET', '/_peer/callbacks', () => ({ callbacks: this.callbacks.log }))
      .route('POST', '/_peer/callbacks/flush', async () => {
        const released = this.callbacks.flushHeld();
        await this.callbacks.idle();
        return { released };
      })
      .route('POST', '/_peer/callbacks/wait', async () => {
        await this.callbacks.idle();
        return this.callbacks.counts();
      })
      .route('POST', '/_peer/config', ({ body }) => {
        for (const key of ['minuteMs', 'compositionMs', 'mediaBytes']) {
          if (body[key] === undefined) continue;
          if (!Number.isInteger(body[key])) throw new ControlError(400, `${key} must be an integer`);
          this.options[key] = body[key];
        }
        if (body.authToken !== undefined) this.callbacks.authToken = String(body.authToken);
        return { minuteMs: this.options.minuteMs, compositionMs: this.options.compositionMs, mediaBytes: this.options.mediaBytes };
      })
      .route('POST', '/_peer/check-token', ({ body }) => checkAccessToken(body.token, {
        apiKeySid: body.apiKeySid || this.options.apiKeySid,
        apiKeySecret: body.apiKeySecret || this.options.apiKeySecret,
        accountSid: body.accountSid || this.options.accountSid,
        identity: body.identity,
        room: body.room,
      }))
      .route('GET', '/_peer/media-digest', ({ query }) => {
        const kind = query.get('kind') || 'compositions';
        const sid = query.get('sid') || '';
        const item = kind === 'recordings' ? this.video.recordings.get(sid) : this.video.compositions.get(sid);
        if (!item) throw errors.notFound(sid);
        const seed = this.video.mediaSeed(kind, sid);
        return { seed, size: item.size, sha256: mediaDigest(seed, item.size) };
      })
      .route('POST', /^\/_peer\/rooms\/([^/]+)\/simulate$/, async ({ params, body }) => {
        const room = this.video.room(params[0]);
        const out = [];
        for (const action of body.actions || [body]) out.push(this.simulate(room, action));
        await this.callbacks.idle();
        return { room: this.video.roomJson(room), results: out };
      })
      .route('POST', /^\/_peer\/compositions\/([^/]+)\/(complete|fail)$/, async ({ params }) => {
        const c = this.video.composition(params[0]);
        if (params[1] === 'fail' && c.status === 'enqueued') c.fail = true;
        if (c.status === 'enqueued') c.status = 'processing';
        this.video.finishComposition(c, params[1] === 'fail' ? 'failed' : 'completed');
        await this.callbacks.idle();
        return this.video.compositionJson(c);
      });
  }

  tokenIdentity(room, token) {
    const checked = checkAccessToken(token, {
      apiKeySid: this.options.apiKeySid,
      apiKeySecret: this.options.apiKeySecret,
      accountSid: this.options.accountSid,
    });
    if (!checked.valid) throw new ControlError(401, `the access token is refused: ${checked.reason}`);
    const granted = checked.claims.grants.video.room;
    if (granted !== undefined && granted !== room.sid && granted !== room.uniqueName) {
      throw new ControlError(403, `the access token grants room ${granted}, not ${room.sid}`);
    }
    return checked.claims.grants.identity;
  }

  // `action.at` (epoch ms), when given, is when it happened: the callbacks'
  // Timestamp and the participant's and room's times.
  simulate(room, action) {
    if (action.at !== undefined && (!Number.isInteger(action.at) || action.at <= 0)) {
      throw new ControlError(400, 'at must be epoch milliseconds');
    }
    this.video.simulatedAt = action.at;
    try {
      return this.simulateNow(room, action);
    } finally {
      this.video.simulatedAt = undefined;
    }
  }

  simulateNow(room, action) {
    switch (action.type) {
      case 'join': {
        // With a token, as a Twilio SDK connects: the token must be this
        // account's, signed by its API key, unexpired, and grant this room;
        // the participant's identity is the token's.
        const identity = action.token === undefined ? action.identity : this.tokenIdentity(room, action.token);
        const p = this.video.join(room, identity);
        return { participantSid: p.sid, identity };
      }
      case 'leave': {
        const p = this.video.participant(room, action.participantSid || action.identity);
        this.video.disconnect(room, p);
        return { participantSid: p.sid };
      }
      case 'end':
        if (room.status === 'in-progress') this.video.endRoom(room, 'timeout');
        return { status: room.status };
      default:
        throw new TwilioError(400, 0, 'simulate type must be join, leave or end');
    }
  }
}

module.exports = { TwilioPeer };
