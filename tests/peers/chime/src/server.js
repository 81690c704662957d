'use strict';
// The HTTP front of the Chime peer: Chime SDK Meetings and Media Pipelines
// routes (signing name "chime") and S3 GetObject/HeadObject/ListObjectsV2
// (signing name "s3") on one loopback server, every request SigV4-verified;
// plus the unsigned control API under /_peer/.

const crypto = require('node:crypto');
const { PeerServer, ControlError, BodyTooLarge, readBody, sendJson } = require('../../support');
const { SigV4Verifier, parseQuery } = require('./sigv4_verifier');
const { AwsError, sendJsonError, sendS3Error, newRequestId, xmlEscape } = require('./aws_errors');
const { ChimeService } = require('./chime_service');
const { EventPublisher } = require('./event_publisher');
const { ChimeFaults, STATUS_KIND } = require('./faults');
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

class ChimePeer extends PeerServer {
  // options: see main.js for the defaults and their environment variables.
  constructor(options) {
    super({ name: 'chime-peer', faults: new ChimeFaults() });
    this.options = options;
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
    this.addControlRoutes();
  }

  errorAnswer(res) {
    sendJsonError(res, new AwsError('ServiceFailure', 'Internal peer error.'), 'meetings');
  }

  reset() {
    super.reset();
    this.service.reset();
    this.events.reset();
    this.requests = { total: 0, rejectedSignatures: 0, byOperation: {} };
  }

  effectsView() {
    return {
      ...this.service.effectsView(),
      requests: this.requests,
      events: { ...this.events.counts, pending: this.events.pending() },
    };
  }

  close() {
    this.service.reset();
    return super.close();
  }

  async handle(req, res) {
    const target = req.url || '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
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
      sendJsonError(res, new AwsError('BadRequest', err instanceof BodyTooLarge ? err.message : 'Unreadable body.'), api);
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
    try {
      await this.faults.perform(operation, res, {
        effect: () => this.invoke(operation, params, jsonObject(body), query),
        answer: (result) => sendJson(res, okStatus, okStatus === 204 ? undefined : result,
          { 'x-amzn-RequestId': newRequestId() }),
        fail: (rule) => sendJsonError(res, new AwsError(STATUS_KIND[rule.status], 'Injected failure.',
          { retryAfterSeconds: rule.retryAfterSeconds }), api),
      });
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      sendJsonError(res, err, api);
    }
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
    await this.faults.perform(operation, res, {
      effect: () => undefined,
      answer: () => this.answerS3(req, res, { head, bucket, key, query }),
      fail: (rule) => sendS3Error(res, rule.status, S3_FAULT_CODE[rule.status], 'Injected failure.',
        { retryAfterSeconds: rule.retryAfterSeconds, head }),
    });
  }

  answerS3(req, res, { head, bucket, key, query }) {
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
  // Beside the support library's effects, faults and reset (effectsView()
  // and reset() above).

  addControlRoutes() {
    const s = this.service;
    this.control
      .route('GET', '/_peer/meetings', () => ({ meetings: s.meetingsView() }))
      .route('GET', '/_peer/events', () => ({
        events: this.events.log.map(({ id, detailType, eventType, status, attempts, httpStatus, event }) =>
          ({ id, detailType, eventType, status, attempts, httpStatus, time: event.time, detail: event.detail })),
      }))
      .route('POST', '/_peer/config', ({ body }) => {
        if (body.holdEvents !== undefined && typeof body.holdEvents !== 'boolean') {
          throw new ControlError(400, 'holdEvents must be true or false');
        }
        this.events.configure({
          url: body.eventsUrl, headerName: body.eventsHeaderName, headerValue: body.eventsHeaderValue,
        });
        if (body.holdEvents !== undefined) this.events.hold(body.holdEvents);
        for (const k of ['recordingBytes', 'idleEndMs', 'concatenationMs']) {
          if (body[k] === undefined) continue;
          const v = Number(body[k]);
          if (!Number.isSafeInteger(v) || v < 0) throw new ControlError(400, `${k} must be a non-negative integer`);
          this.options[k] = v;
        }
        return { ok: true };
      })
      .route('GET', '/_peer/objects', async ({ query }) => {
        const out = [];
        for (const o of s.objects.values()) {
          const item = { bucket: o.bucket, key: o.key, size: o.size, seed: o.seed };
          if (query.get('sha256') === '1') item.sha256 = await recordingSha256(o.seed, o.size);
          out.push(item);
        }
        return { objects: out };
      })
      .route('POST', '/_peer/objects', ({ body }) => {
        const size = Number(body.size);
        if (typeof body.bucket !== 'string' || typeof body.key !== 'string' || !body.bucket || !body.key ||
            !Number.isSafeInteger(size) || size < 0) {
          throw new ControlError(400, 'bucket, key (strings) and size (bytes) are required');
        }
        const o = s.putObject(body.bucket, body.key, size,
          String(body.seed ?? `${this.options.recordingSeed}/${body.bucket}/${body.key}`));
        return { bucket: o.bucket, key: o.key, size: o.size, seed: o.seed };
      })
      .route('POST', /^\/_peer\/meetings\/([^/]+)\/simulate$/, ({ params, body }) => {
        const actions = Array.isArray(body.actions) ? body.actions : [body];
        try {
          for (const action of actions) s.simulate(params[0], action || {});
        } catch (err) {
          if (!(err instanceof AwsError)) throw err;
          throw new ControlError(err.kind === 'NotFound' ? 404 : 400, err.message);
        }
        return { ok: true };
      });
  }
}

// The S3 error code each injectable status answers with.
const S3_FAULT_CODE = { 429: 'SlowDown', 500: 'InternalError', 503: 'ServiceUnavailable' };

// The JSON object of a rest-json request body ({} when empty).
function jsonObject(body) {
  if (!body.length) return {};
  let input;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    input = null;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AwsError('BadRequest', 'The request body is not a JSON object.');
  }
  return input;
}

module.exports = { ChimePeer, parseRange };
