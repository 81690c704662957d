'use strict';
// The HTTP front of the Chime peer: Chime SDK Meetings and Media Pipelines
// routes (signing name "chime") and S3 GetObject/HeadObject/ListObjectsV2
// (signing name "s3") on one loopback server, every request SigV4-verified;
// plus the unsigned control API under /_peer/.

const crypto = require('node:crypto');
const http = require('node:http');
const { SigV4Verifier, parseQuery } = require('./sigv4_verifier');
const { AwsError, sendJsonError, sendS3Error, newRequestId, xmlEscape } = require('./aws_errors');
const { ChimeService } = require('./chime_service');
const { EventPublisher } = require('./event_publisher');
const { Faults } = require('./faults');
const { recordingStream, recordingSha256 } = require('./recording_bytes');

const MAX_BODY = 1 << 20;
const GUID = '([a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[^/]+)';

// [method, path regex, operation query value or null, operation name, api, success status]
const CHIME_ROUTES = [
  ['POST', /^\/meetings$/, null, 'CreateMeeting', 'meetings', 200],
  ['POST', /^\/meetings$/, 'create-attendees', 'CreateMeetingWithAttendees', 'meetings', 200],
  ['GET', new RegExp(`^/meetings/${GUID}$`), null, 'GetMeeting', 'meetings', 200],
  ['DELETE', new RegExp(`^/meetings/${GUID}$`), null, 'DeleteMeeting', 'meetings', 204],
  ['POST', new RegExp(`^/meetings/${GUID}/attendees$`), null, 'CreateAttendee', 'meetings', 200],
  ['POST', new RegExp(`^/meetings/${GUID}/attendees$`), 'batch-create', 'BatchCreateAttendee', 'meetings', 200],
  ['GET', new RegExp(`^/meetings/${GUID}/attendees$`), null, 'ListAttendees', 'meetings', 200],
  ['GET', new RegExp(`^/meetings/${GUID}/attendees/${GUID}$`), null, 'GetAttendee', 'meetings', 200],
  ['DELETE', new RegExp(`^/meetings/${GUID}/attendees/${GUID}$`), null, 'DeleteAttendee', 'meetings', 204],
  ['POST', /^\/sdk-media-capture-pipelines$/, null, 'CreateMediaCapturePipeline', 'pipelines', 201],
  ['GET', new RegExp(`^/sdk-media-capture-pipelines/${GUID}$`), null, 'GetMediaCapturePipeline', 'pipelines', 200],
  ['DELETE', new RegExp(`^/sdk-media-capture-pipelines/${GUID}$`), null, 'DeleteMediaCapturePipeline', 'pipelines', 204],
  ['POST', /^\/sdk-media-concatenation-pipelines$/, null, 'CreateMediaConcatenationPipeline', 'pipelines', 201],
  ['GET', new RegExp(`^/sdk-media-pipelines/${GUID}$`), null, 'GetMediaPipeline', 'pipelines', 200],
];

const SCOPE_SERVICE_RE = /Credential=[^/\s]+\/\d{8}\/[^/\s]+\/([^/\s]+)\/aws4_request/;

function isLoopback(address) {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AwsError('BadRequest', `The request body exceeds ${limit} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, value, extraHeaders = {}) {
  const body = value === undefined ? '' : JSON.stringify(value);
  res.writeHead(status, {
    ...(body ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Parses "bytes=a-b" | "bytes=a-" | "bytes=-n" against `size`.
// Returns null (no/ignored range), { start, end } or 'unsatisfiable'.
function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;  // multi-range or malformed: whole object
  let start;
  let end;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

class ChimePeer {
  // options: see main.js for the defaults and their environment variables.
  constructor(options) {
    this.options = options;
    this.faults = new Faults();
    this.events = new EventPublisher({
      account: options.account,
      region: options.region,
      url: options.eventsUrl,
      headerName: options.eventsHeaderName,
      headerValue: options.eventsHeaderValue,
      faults: this.faults,
    });
    this.service = new ChimeService(options, this.events);
    this.verifier = new SigV4Verifier({
      credentials: options.credentials,
      regions: [options.region],
      maxSkewSeconds: options.maxSkewSeconds,
    });
    this.requests = { total: 0, rejectedSignatures: 0, byOperation: {} };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) sendJsonError(res, new AwsError('ServiceFailure', 'Internal peer error.'), 'meetings');
        else res.destroy();
        process.stderr.write(`chime-peer: ${err && err.stack ? err.stack : err}\n`);
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address().port);
      });
    });
  }

  close() {
    this.service.reset();
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  async handle(req, res) {
    const target = req.url || '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    if (path === '/_peer' || path.startsWith('/_peer/')) {
      await this.handleControl(req, res, path, q < 0 ? '' : target.slice(q + 1));
      return;
    }
    this.requests.total++;
    const scope = SCOPE_SERVICE_RE.exec(req.headers.authorization || '');
    if (scope && scope[1] === 's3') {
      await this.handleS3(req, res, path, q < 0 ? '' : target.slice(q + 1));
      return;
    }
    await this.handleChime(req, res, path, q < 0 ? '' : target.slice(q + 1));
  }

  count(operation) {
    this.requests.byOperation[operation] = (this.requests.byOperation[operation] || 0) + 1;
  }

  // --- Chime APIs ---------------------------------------------------------

  async handleChime(req, res, path, rawQuery) {
    let query;
    try {
      query = parseQuery(rawQuery);
    } catch {
      sendJsonError(res, new AwsError('BadRequest', 'The query string is malformed.'), 'meetings');
      return;
    }
    const opParam = query.operation === undefined ? null : query.operation;
    let route = null;
    let params = null;
    for (const r of CHIME_ROUTES) {
      if (r[0] !== req.method || r[2] !== opParam) continue;
      const m = r[1].exec(path);
      if (m) {
        route = r;
        params = m.slice(1).map(decodeURIComponent);
        break;
      }
    }
    const api = route ? route[4] : (path.startsWith('/meetings') ? 'meetings' : 'pipelines');
    let body;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (err) {
      sendJsonError(res, err instanceof AwsError ? err : new AwsError('BadRequest', 'Unreadable body.'), api);
      return;
    }
    const verdict = await this.verifier.verify(req, body, ['chime']);
    if (!verdict.ok) {
      this.requests.rejectedSignatures++;
      sendJsonError(res, new AwsError('Forbidden', verdict.message), api);
      return;
    }
    if (!route) {
      sendJsonError(res, new AwsError('NotFound', `No operation matches ${req.method} ${path}.`), api);
      return;
    }
    const [, , , operation, , okStatus] = route;
    this.count(operation);
    const fault = this.faults.take(operation);
    if (fault && fault.kind && !fault.afterEffect) {
      if (fault.delayMs) await sleep(fault.delayMs);
      sendJsonError(res, new AwsError(fault.kind, 'Injected failure.', { retryAfterSeconds: fault.retryAfterSeconds }), api);
      return;
    }
    let input = {};
    if (body.length) {
      try {
        input = JSON.parse(body.toString('utf8'));
        if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('not an object');
      } catch {
        sendJsonError(res, new AwsError('BadRequest', 'The request body is not a JSON object.'), api);
        return;
      }
    }
    let result;
    try {
      result = this.invoke(operation, params, input, query);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      if (fault?.delayMs) await sleep(fault.delayMs);
      sendJsonError(res, err, api);
      return;
    }
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && fault.kind) {  // afterEffect: the change happened, the answer is lost
      sendJsonError(res, new AwsError(fault.kind, 'Injected failure.', { retryAfterSeconds: fault.retryAfterSeconds }), api);
      return;
    }
    sendJson(res, okStatus, okStatus === 204 ? undefined : result, { 'x-amzn-RequestId': newRequestId() });
  }

  invoke(operation, params, input, query) {
    const s = this.service;
    switch (operation) {
      case 'CreateMeeting':
        return { Meeting: s.meetingShape(s.createMeeting(input).meeting) };
      case 'CreateMeetingWithAttendees':
        return s.createMeetingWithAttendees(input);
      case 'GetMeeting':
        return { Meeting: s.meetingShape(s.getMeeting(params[0])) };
      case 'DeleteMeeting':
        s.deleteMeeting(params[0]);
        return undefined;
      case 'CreateAttendee':
        return { Attendee: s.attendeeShape(s.createAttendee(params[0], input)) };
      case 'BatchCreateAttendee':
        return s.batchCreateAttendee(params[0], input);
      case 'ListAttendees':
        return s.listAttendees(params[0], query);
      case 'GetAttendee':
        return { Attendee: s.attendeeShape(s.getAttendee(params[0], params[1])) };
      case 'DeleteAttendee':
        s.deleteAttendee(params[0], params[1]);
        return undefined;
      case 'CreateMediaCapturePipeline':
        return { MediaCapturePipeline: s.captureShape(s.createCapturePipeline(input).pipeline) };
      case 'GetMediaCapturePipeline':
        return { MediaCapturePipeline: s.captureShape(s.capturePipeline(params[0])) };
      case 'DeleteMediaCapturePipeline':
        s.deleteCapturePipeline(params[0]);
        return undefined;
      case 'CreateMediaConcatenationPipeline':
        return { MediaConcatenationPipeline: s.concatenationShape(s.createConcatenationPipeline(input).pipeline) };
      case 'GetMediaPipeline':
        return { MediaPipeline: s.getMediaPipeline(params[0]) };
      default:
        throw new AwsError('NotFound', `Unknown operation ${operation}.`);
    }
  }

  // --- S3 -----------------------------------------------------------------

  async handleS3(req, res, path, rawQuery) {
    const head = req.method === 'HEAD';
    let body;
    try {
      body = await readBody(req, MAX_BODY);
    } catch {
      sendS3Error(res, 400, 'MaxMessageLengthExceeded', 'Your request was too big.', { head });
      return;
    }
    const verdict = await this.verifier.verify(req, body, ['s3']);
    if (!verdict.ok) {
      this.requests.rejectedSignatures++;
      const code = verdict.code === 'UnrecognizedClient' ? 'InvalidAccessKeyId'
        : verdict.code === 'MissingAuthenticationToken' ? 'AccessDenied' : verdict.code;
      const status = code === 'InvalidRequest' || code === 'XAmzContentSHA256Mismatch' ? 400 : 403;
      sendS3Error(res, status, code, verdict.message, { head });
      return;
    }
    const m = /^\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (!m || (req.method !== 'GET' && !head)) {
      sendS3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { head });
      return;
    }
    let bucket;
    let key;
    let query;
    try {
      bucket = decodeURIComponent(m[1]);
      key = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      query = parseQuery(rawQuery);
    } catch {
      sendS3Error(res, 400, 'InvalidURI', 'Could not parse the specified URI.', { head });
      return;
    }
    const operation = key === undefined ? 'ListObjectsV2' : head ? 'HeadObject' : 'GetObject';
    this.count(operation);
    const fault = this.faults.take(operation);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.kind) {
      const code = { Throttling: 'SlowDown', ServiceUnavailable: 'ServiceUnavailable', ServiceFailure: 'InternalError' }[fault.kind];
      sendS3Error(res, fault.status, code, 'Injected failure.', { retryAfterSeconds: fault.retryAfterSeconds, head });
      return;
    }
    if (key === undefined) {
      this.listObjects(res, bucket, query);
      return;
    }
    const object = this.service.getObject(bucket, key);
    if (!object) {
      sendS3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.', { head });
      return;
    }
    const range = parseRange(req.headers.range, object.size);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${object.size}`);
      sendS3Error(res, 416, 'InvalidRange', 'The requested range is not satisfiable', { head });
      return;
    }
    const start = range ? range.start : 0;
    const end = range ? range.end : object.size - 1;
    const headers = {
      'Content-Type': 'video/mp4',
      'Content-Length': Math.max(0, end - start + 1),
      'Accept-Ranges': 'bytes',
      ETag: `"${crypto.createHash('md5').update(`${object.seed}:${object.size}`).digest('hex')}"`,
      'Last-Modified': object.lastModified.toUTCString(),
      'x-amz-request-id': newRequestId().replace(/-/g, '').slice(0, 16).toUpperCase(),
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${object.size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (head || object.size === 0) {
      res.end();
      return;
    }
    const stream = recordingStream(object.seed, start, end);
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  }

  listObjects(res, bucket, query) {
    if (query['list-type'] !== '2') {
      sendS3Error(res, 400, 'InvalidArgument', 'Only ListObjectsV2 (list-type=2) is supported.');
      return;
    }
    const prefix = query.prefix || '';
    const items = this.service.listObjects(bucket, prefix);
    const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
      `<KeyCount>${items.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
      items.map((o) => `<Contents><Key>${xmlEscape(o.key)}</Key>` +
        `<LastModified>${o.lastModified.toISOString()}</LastModified>` +
        `<Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('') +
      '</ListBucketResult>';
    res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  // --- Control API (unsigned, loopback only) ------------------------------

  async handleControl(req, res, path, rawQuery) {
    if (!isLoopback(req.socket.remoteAddress)) {
      sendJson(res, 403, { error: 'The control API answers loopback clients only.' });
      return;
    }
    let input = {};
    try {
      const body = await readBody(req, MAX_BODY);
      if (body.length) input = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(res, 400, { error: 'The body must be JSON.' });
      return;
    }
    const s = this.service;
    const route = `${req.method} ${path}`;
    if (route === 'GET /_peer/effects') {
      sendJson(res, 200, {
        ...s.effectsView(),
        requests: this.requests,
        events: { ...this.events.counts, pending: this.events.pending() },
      });
    } else if (route === 'GET /_peer/meetings') {
      sendJson(res, 200, { meetings: s.meetingsView() });
    } else if (route === 'GET /_peer/events') {
      sendJson(res, 200, {
        events: this.events.log.map(({ id, detailType, eventType, status, attempts, httpStatus, event }) =>
          ({ id, detailType, eventType, status, attempts, httpStatus, detail: event.detail })),
      });
    } else if (route === 'GET /_peer/faults') {
      sendJson(res, 200, this.faults.describe());
    } else if (route === 'POST /_peer/faults') {
      const rules = Array.isArray(input) ? input : (Array.isArray(input.faults) ? input.faults : [input]);
      for (const rule of rules) {
        const problem = this.faults.add(rule || {});
        if (problem) {
          sendJson(res, 400, { error: problem });
          return;
        }
      }
      sendJson(res, 200, this.faults.describe());
    } else if (route === 'POST /_peer/config') {
      this.events.configure({
        url: input.eventsUrl, headerName: input.eventsHeaderName, headerValue: input.eventsHeaderValue,
      });
      for (const k of ['recordingBytes', 'idleEndMs', 'concatenationMs']) {
        if (input[k] !== undefined) {
          const v = Number(input[k]);
          if (!Number.isSafeInteger(v) || v < 0) {
            sendJson(res, 400, { error: `${k} must be a non-negative integer` });
            return;
          }
          this.options[k] = v;
        }
      }
      sendJson(res, 200, { ok: true });
    } else if (route === 'POST /_peer/reset') {
      s.reset();
      this.faults.reset();
      this.events.reset();
      this.requests = { total: 0, rejectedSignatures: 0, byOperation: {} };
      sendJson(res, 200, { ok: true });
    } else if (route === 'GET /_peer/objects') {
      const query = parseQuery(rawQuery);
      const list = [...s.objects.values()];
      const out = [];
      for (const o of list) {
        const item = { bucket: o.bucket, key: o.key, size: o.size, seed: o.seed };
        if (query.sha256 === '1') item.sha256 = await recordingSha256(o.seed, o.size);
        out.push(item);
      }
      sendJson(res, 200, { objects: out });
    } else if (route === 'POST /_peer/objects') {
      const size = Number(input.size);
      if (typeof input.bucket !== 'string' || typeof input.key !== 'string' || !input.bucket || !input.key ||
          !Number.isSafeInteger(size) || size < 0) {
        sendJson(res, 400, { error: 'bucket, key (strings) and size (bytes) are required' });
        return;
      }
      const o = s.putObject(input.bucket, input.key, size, String(input.seed ?? `${this.options.recordingSeed}/${input.bucket}/${input.key}`));
      sendJson(res, 200, { bucket: o.bucket, key: o.key, size: o.size, seed: o.seed });
    } else {
      const sim = /^\/_peer\/meetings\/([^/]+)\/simulate$/.exec(path);
      if (req.method === 'POST' && sim) {
        const actions = Array.isArray(input.actions) ? input.actions : [input];
        try {
          for (const action of actions) s.simulate(decodeURIComponent(sim[1]), action || {});
        } catch (err) {
          if (!(err instanceof AwsError)) throw err;
          sendJson(res, err.kind === 'NotFound' ? 404 : 400, { error: err.message });
          return;
        }
        sendJson(res, 200, { ok: true });
        return;
      }
      sendJson(res, 404, { error: `No control route ${route}.` });
    }
  }
}

module.exports = { ChimePeer, parseRange };
