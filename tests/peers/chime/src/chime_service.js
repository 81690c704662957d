'use strict';
// The state behind the peer: meetings, attendees, media pipelines and the S3
// objects they produce, with the request/response shapes of the botocore
// models (chime-sdk-meetings and chime-sdk-media-pipelines, 2021-07-15).
// Operations throw AwsError for modelled errors; every change of state that
// Chime reports through EventBridge is published.

const crypto = require('node:crypto');
const { AwsError } = require('./aws_errors');

const GUID_RE = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;
const TOKEN_RE = /^[-_a-zA-Z0-9]*$/;
const CAPABILITIES = ['SendReceive', 'Send', 'Receive', 'None'];
const MEETING_EVENT = 'Chime Meeting State Change';
const PIPELINE_EVENT = 'Chime Media Pipeline State Change';

// Region codes as they appear in Chime media hostnames.
function regionCode(region) {
  const [area, dir, n] = region.split('-');
  return `${area[0]}${(dir || 'x')[0]}${n || '1'}`;
}

function requireString(value, field, { min = 1, max = 4096, pattern } = {}) {
  if (typeof value !== 'string') throw new AwsError('BadRequest', `${field} is required and must be a string.`);
  if (value.length < min || value.length > max) {
    throw new AwsError('BadRequest', `${field} must be ${min} to ${max} characters long.`);
  }
  if (pattern && !pattern.test(value)) throw new AwsError('BadRequest', `${field} has invalid characters.`);
  return value;
}

function validateCapabilities(capabilities) {
  if (capabilities === undefined) {
    return { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' };
  }
  if (typeof capabilities !== 'object' || capabilities === null) {
    throw new AwsError('BadRequest', 'Capabilities must be an object.');
  }
  for (const k of ['Audio', 'Video', 'Content']) {
    if (!CAPABILITIES.includes(capabilities[k])) {
      throw new AwsError('BadRequest', `Capabilities.${k} must be one of ${CAPABILITIES.join(', ')}.`);
    }
  }
  return { Audio: capabilities.Audio, Video: capabilities.Video, Content: capabilities.Content };
}

function nowIso() {
  return new Date().toISOString();
}

class ChimeService {
  // options: { account, region, recordingBytes, recordingSeed, idleEndMs, concatenationMs }
  constructor(options, events) {
    this.options = options;
    this.events = events;
    this.reset();
  }

  reset() {
    for (const m of this.meetings?.values() ?? []) clearTimeout(m.idleTimer);
    for (const p of this.pipelines?.values() ?? []) clearTimeout(p.timer);
    this.meetings = new Map();         // MeetingId -> meeting
    this.meetingByToken = new Map();   // ClientRequestToken -> MeetingId
    this.pipelines = new Map();        // MediaPipelineId -> pipeline
    this.pipelineByToken = new Map();  // `${kind}:${ClientRequestToken}` -> MediaPipelineId
    this.objects = new Map();          // `${bucket}/${key}` -> { bucket, key, size, seed, lastModified }
    this.effects = {
      meetingsCreated: 0,
      meetingsByClientRequestToken: {},
      meetingsDeleted: 0,
      meetingsEnded: 0,
      attendeesCreated: 0,
      attendeesDeleted: 0,
      capturePipelinesCreated: 0,
      capturePipelinesByClientRequestToken: {},
      capturePipelinesDeleted: 0,
      concatenationPipelinesCreated: 0,
      concatenationPipelinesByClientRequestToken: {},
    };
  }

  // --- Meetings -----------------------------------------------------------

  meetingShape(m) {
    const out = {
      MeetingId: m.MeetingId,
      ExternalMeetingId: m.ExternalMeetingId,
      MediaRegion: m.MediaRegion,
      MediaPlacement: m.MediaPlacement,
      MeetingArn: m.MeetingArn,
    };
    for (const k of ['MeetingHostId', 'MeetingFeatures', 'PrimaryMeetingId', 'TenantIds']) {
      if (m[k] !== undefined) out[k] = m[k];
    }
    return out;
  }

  attendeeShape(a) {
    return {
      ExternalUserId: a.ExternalUserId,
      AttendeeId: a.AttendeeId,
      JoinToken: a.JoinToken,
      Capabilities: a.Capabilities,
    };
  }

  liveMeeting(meetingId) {
    if (!GUID_RE.test(meetingId)) throw new AwsError('BadRequest', 'MeetingId is not a valid GUID.');
    const m = this.meetings.get(meetingId);
    if (!m || m.ended) throw new AwsError('NotFound', 'The requested meeting does not exist or has ended.');
    return m;
  }

  validateCreateMeeting(body) {
    requireString(body.ClientRequestToken, 'ClientRequestToken', { min: 2, max: 64, pattern: TOKEN_RE });
    requireString(body.MediaRegion, 'MediaRegion', { min: 2, max: 64 });
    requireString(body.ExternalMeetingId, 'ExternalMeetingId', { min: 2, max: 64 });
    if (body.MeetingHostId !== undefined) requireString(body.MeetingHostId, 'MeetingHostId', { min: 2, max: 64 });
    const max = body.MeetingFeatures?.Attendee?.MaxCount;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 250)) {
      throw new AwsError('BadRequest', 'MeetingFeatures.Attendee.MaxCount must be an integer 1..250.');
    }
    if (body.TenantIds !== undefined && (!Array.isArray(body.TenantIds) || body.TenantIds.length < 1 || body.TenantIds.length > 5)) {
      throw new AwsError('BadRequest', 'TenantIds must hold 1 to 5 items.');
    }
  }

  // Returns { meeting, created }. The same ClientRequestToken returns the same meeting.
  createMeeting(body) {
    this.validateCreateMeeting(body);
    const existing = this.meetingByToken.get(body.ClientRequestToken);
    if (existing) return { meeting: this.meetings.get(existing), created: false };

    const id = crypto.randomUUID();
    const region = body.MediaRegion;
    const rc = regionCode(region);
    const cell = 100 + (parseInt(id.slice(0, 4), 16) % 900);
    const m = {
      MeetingId: id,
      ExternalMeetingId: body.ExternalMeetingId,
      MediaRegion: region,
      MeetingHostId: body.MeetingHostId,
      MeetingFeatures: body.MeetingFeatures,
      PrimaryMeetingId: body.PrimaryMeetingId,
      TenantIds: body.TenantIds,
      NotificationsConfiguration: body.NotificationsConfiguration,
      MeetingArn: `arn:aws:chime:${this.options.region}:${this.options.account}:meeting/${id}`,
      MediaPlacement: {
        AudioHostUrl: `${crypto.randomBytes(16).toString('hex')}.k.m3.${rc}.app.chime.aws:3478`,
        AudioFallbackUrl: `wss://haxrp.m3.${rc}.app.chime.aws:443/calls/${id}`,
        SignalingUrl: `wss://signal.m3.${rc}.app.chime.aws/control/${id}`,
        TurnControlUrl: `https://${cell}.cell.${region}.meetings.chime.aws/v2/turn_sessions`,
        ScreenDataUrl: `wss://bitpw.m3.${rc}.app.chime.aws:443/v2/screen/${id}`,
        ScreenViewingUrl: `wss://bitpw.m3.${rc}.app.chime.aws:443/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id=${id}`,
        ScreenSharingUrl: `wss://bitpw.m3.${rc}.app.chime.aws:443/v2/screen/${id}`,
        EventIngestionUrl: `https://data.svc.${rc}.ingest.chime.aws/v1/client-events`,
      },
      clientRequestToken: body.ClientRequestToken,
      createdAt: Date.now(),
      ended: false,
      attendees: new Map(),  // AttendeeId -> attendee
      idleTimer: null,
    };
    this.meetings.set(id, m);
    this.meetingByToken.set(body.ClientRequestToken, id);
    this.effects.meetingsCreated++;
    this.effects.meetingsByClientRequestToken[body.ClientRequestToken] =
      (this.effects.meetingsByClientRequestToken[body.ClientRequestToken] || 0) + 1;
    this.publishMeeting(m, 'chime:MeetingStarted');
    this.armIdleTimer(m);
    return { meeting: m, created: true };
  }

  getMeeting(meetingId) {
    return this.liveMeeting(meetingId);
  }

  deleteMeeting(meetingId) {
    const m = this.liveMeeting(meetingId);
    this.effects.meetingsDeleted++;
    this.endMeeting(m, 'deleted');
  }

  // Ends a meeting: attendees are disconnected, capture pipelines stop, MeetingEnded is published.
  endMeeting(m, reason) {
    if (m.ended) return;
    clearTimeout(m.idleTimer);
    for (const a of m.attendees.values()) {
      if (a.connected) {
        a.connected = false;
        this.publishAttendee(m, a, 'chime:AttendeeLeft');
      }
    }
    m.ended = true;
    m.endReason = reason;
    this.effects.meetingsEnded++;
    for (const p of this.pipelines.values()) {
      if (p.kind === 'capture' && p.meetingId === m.MeetingId && this.isActive(p)) this.stopCapture(p);
    }
    this.publishMeeting(m, 'chime:MeetingEnded');
  }

  // A meeting with nobody connected ends after idleEndMs (Chime: 5 minutes).
  armIdleTimer(m) {
    clearTimeout(m.idleTimer);
    if (m.ended || this.connectedCount(m) > 0) return;
    m.idleTimer = setTimeout(() => this.endMeeting(m, 'idle'), this.options.idleEndMs);
    m.idleTimer.unref();
  }

  connectedCount(m) {
    let n = 0;
    for (const a of m.attendees.values()) if (a.connected) n++;
    return n;
  }

  maxAttendees(m) {
    return m.MeetingFeatures?.Attendee?.MaxCount ?? 250;
  }

  // Creates or returns the attendee for ExternalUserId; throws for the whole call.
  addAttendee(m, item) {
    requireString(item.ExternalUserId, 'ExternalUserId', { min: 2, max: 64 });
    const capabilities = validateCapabilities(item.Capabilities);
    for (const a of m.attendees.values()) {
      if (!a.deleted && a.ExternalUserId === item.ExternalUserId) return a;
    }
    const live = [...m.attendees.values()].filter((a) => !a.deleted).length;
    if (live >= this.maxAttendees(m)) {
      throw new AwsError('LimitExceeded', 'The meeting has reached its maximum number of attendees.');
    }
    const id = crypto.randomUUID();
    const a = {
      AttendeeId: id,
      ExternalUserId: item.ExternalUserId,
      JoinToken: Buffer.from(`${id}:${crypto.randomBytes(24).toString('base64url')}`).toString('base64'),
      Capabilities: capabilities,
      connected: false,
      deleted: false,
      order: m.attendees.size,
    };
    m.attendees.set(id, a);
    this.effects.attendeesCreated++;
    this.publishAttendee(m, a, 'chime:AttendeeAdded');
    return a;
  }

  createAttendee(meetingId, body) {
    if (!GUID_RE.test(meetingId)) throw new AwsError('BadRequest', 'MeetingId is not a valid GUID.');
    const m = this.meetings.get(meetingId);
    if (!m) throw new AwsError('NotFound', 'The requested meeting does not exist.');
    if (m.ended) throw new AwsError('NotFound', 'Meeting ended.');
    return this.addAttendee(m, body);
  }

  // Per-item failures go to Errors[] in a 200, as Chime does.
  batchCreateAttendees(m, items, limit) {
    if (!Array.isArray(items) || items.length < 1 || items.length > limit) {
      throw new AwsError('BadRequest', `Attendees must hold 1 to ${limit} items.`);
    }
    const Attendees = [];
    const Errors = [];
    for (const item of items) {
      try {
        Attendees.push(this.attendeeShape(this.addAttendee(m, item || {})));
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        Errors.push({
          ExternalUserId: item?.ExternalUserId,
          ErrorCode: err.kind,
          ErrorMessage: err.message,
        });
      }
    }
    return { Attendees, Errors };
  }

  batchCreateAttendee(meetingId, body) {
    if (!GUID_RE.test(meetingId)) throw new AwsError('BadRequest', 'MeetingId is not a valid GUID.');
    const m = this.meetings.get(meetingId);
    if (!m) throw new AwsError('NotFound', 'The requested meeting does not exist.');
    if (m.ended) throw new AwsError('NotFound', 'Meeting ended.');
    return this.batchCreateAttendees(m, body.Attendees, 100);
  }

  createMeetingWithAttendees(body) {
    if (!Array.isArray(body.Attendees) || body.Attendees.length < 1 || body.Attendees.length > 20) {
      throw new AwsError('BadRequest', 'Attendees must hold 1 to 20 items.');
    }
    const { meeting } = this.createMeeting(body);
    if (meeting.ended) return { Meeting: this.meetingShape(meeting), Attendees: [], Errors: [] };
    const result = this.batchCreateAttendees(meeting, body.Attendees, 20);
    return { Meeting: this.meetingShape(meeting), ...result };
  }

  liveAttendee(m, attendeeId) {
    if (!GUID_RE.test(attendeeId)) throw new AwsError('BadRequest', 'AttendeeId is not a valid GUID.');
    const a = m.attendees.get(attendeeId);
    if (!a || a.deleted) throw new AwsError('NotFound', 'The requested attendee does not exist.');
    return a;
  }

  getAttendee(meetingId, attendeeId) {
    return this.liveAttendee(this.liveMeeting(meetingId), attendeeId);
  }

  deleteAttendee(meetingId, attendeeId) {
    const m = this.liveMeeting(meetingId);
    const a = this.liveAttendee(m, attendeeId);
    a.deleted = true;
    this.effects.attendeesDeleted++;
    if (a.connected) {
      a.connected = false;
      this.publishAttendee(m, a, 'chime:AttendeeLeft');
    }
    this.publishAttendee(m, a, 'chime:AttendeeDeleted');
    this.armIdleTimer(m);
  }

  // NextToken is opaque to clients: base64url of {meeting, offset}.
  listAttendees(meetingId, query) {
    const m = this.liveMeeting(meetingId);
    let max = 100;
    if (query['max-results'] !== undefined) {
      max = Number(query['max-results']);
      if (!Number.isInteger(max) || max < 1 || max > 100) {
        throw new AwsError('BadRequest', 'MaxResults must be an integer 1..100.');
      }
    }
    let offset = 0;
    if (query['next-token'] !== undefined) {
      try {
        const t = JSON.parse(Buffer.from(String(query['next-token']), 'base64url').toString('utf8'));
        if (t.m !== meetingId || !Number.isInteger(t.o) || t.o < 0) throw new Error('bad');
        offset = t.o;
      } catch {
        throw new AwsError('BadRequest', 'NextToken is invalid.');
      }
    }
    const all = [...m.attendees.values()].filter((a) => !a.deleted).sort((x, y) => x.order - y.order);
    const page = all.slice(offset, offset + max).map((a) => this.attendeeShape(a));
    const out = { Attendees: page };
    if (offset + max < all.length) {
      out.NextToken = Buffer.from(JSON.stringify({ m: meetingId, o: offset + max })).toString('base64url');
    }
    return out;
  }

  // Control API: what a Chime client would cause. action: join | leave | drop | end,
  // optionally `at` (epoch ms): when it happened, the events' timestamps.
  simulate(meetingId, action) {
    if (action.at !== undefined && (!Number.isInteger(action.at) || action.at <= 0)) {
      throw new AwsError('BadRequest', 'at must be epoch milliseconds.');
    }
    this.simulatedAt = action.at;
    try {
      this.simulateNow(meetingId, action);
    } finally {
      this.simulatedAt = undefined;
    }
  }

  simulateNow(meetingId, action) {
    const m = this.meetings.get(meetingId);
    if (!m) throw new AwsError('NotFound', 'No such meeting.');
    if (action.type === 'end') {
      this.endMeeting(m, 'simulated');
      return;
    }
    if (m.ended) throw new AwsError('NotFound', 'Meeting ended.');
    let a = action.attendeeId ? m.attendees.get(action.attendeeId) : undefined;
    if (!a && action.externalUserId) {
      a = [...m.attendees.values()].find((x) => !x.deleted && x.ExternalUserId === action.externalUserId);
    }
    if (!a || a.deleted) throw new AwsError('NotFound', 'No such attendee in this meeting.');
    if (action.type === 'join') {
      if (!a.connected) {
        a.connected = true;
        clearTimeout(m.idleTimer);
        this.publishAttendee(m, a, 'chime:AttendeeJoined', { networkType: 'Voip' });
      }
    } else if (action.type === 'leave' || action.type === 'drop') {
      if (a.connected) {
        a.connected = false;
        this.publishAttendee(m, a, action.type === 'leave' ? 'chime:AttendeeLeft' : 'chime:AttendeeDropped',
          { networkType: 'Voip' });
        this.armIdleTimer(m);
      }
    } else {
      throw new AwsError('BadRequest', 'type must be join, leave, drop or end.');
    }
  }

  publishMeeting(m, eventType) {
    this.events.publish(MEETING_EVENT, {
      eventType,
      meetingId: m.MeetingId,
      externalMeetingId: m.ExternalMeetingId,
      mediaRegion: m.MediaRegion,
    }, this.simulatedAt);
  }

  publishAttendee(m, a, eventType, extra = {}) {
    this.events.publish(MEETING_EVENT, {
      eventType,
      meetingId: m.MeetingId,
      attendeeId: a.AttendeeId,
      externalUserId: a.ExternalUserId,
      ...extra,
      mediaRegion: m.MediaRegion,
    }, this.simulatedAt);
  }

  // --- Media pipelines ----------------------------------------------------

  pipelineArn(id) {
    return `arn:aws:chime:${this.options.region}:${this.options.account}:media-pipeline/${id}`;
  }

  isActive(p) {
    return p.Status === 'Initializing' || p.Status === 'InProgress';
  }

  // "arn:aws:s3:::bucket/prefix" -> { bucket, prefix }
  parseS3Arn(arn, field) {
    const m = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(arn || '');
    if (!m) throw new AwsError('BadRequest', `${field} must be an S3 bucket ARN (arn:aws:s3:::bucket[/prefix]).`);
    return { bucket: m[1], prefix: (m[2] || '').replace(/\/+$/, '') };
  }

  captureShape(p) {
    const out = {
      MediaPipelineId: p.MediaPipelineId,
      MediaPipelineArn: p.MediaPipelineArn,
      SourceType: 'ChimeSdkMeeting',
      SourceArn: p.SourceArn,
      Status: p.Status,
      SinkType: 'S3Bucket',
      SinkArn: p.SinkArn,
      CreatedTimestamp: p.CreatedTimestamp,
      UpdatedTimestamp: p.UpdatedTimestamp,
    };
    for (const k of ['ChimeSdkMeetingConfiguration', 'SseAwsKeyManagementParams', 'SinkIamRoleArn']) {
      if (p[k] !== undefined) out[k] = p[k];
    }
    return out;
  }

  concatenationShape(p) {
    return {
      MediaPipelineId: p.MediaPipelineId,
      MediaPipelineArn: p.MediaPipelineArn,
      Sources: p.Sources,
      Sinks: p.Sinks,
      Status: p.Status,
      CreatedTimestamp: p.CreatedTimestamp,
      UpdatedTimestamp: p.UpdatedTimestamp,
    };
  }

  setStatus(p, status) {
    p.Status = status;
    p.UpdatedTimestamp = nowIso();
  }

  publishPipeline(p, eventType) {
    const m = this.meetings.get(p.meetingId);
    this.events.publish(PIPELINE_EVENT, {
      eventType,
      meetingId: p.meetingId,
      externalMeetingId: m?.ExternalMeetingId,
      mediaPipelineId: p.MediaPipelineId,
      mediaRegion: m?.MediaRegion ?? this.options.region,
    });
  }

  idempotent(kind, token) {
    if (token === undefined) return null;
    requireString(token, 'ClientRequestToken', { min: 2, max: 64, pattern: TOKEN_RE });
    const id = this.pipelineByToken.get(`${kind}:${token}`);
    return id ? this.pipelines.get(id) : null;
  }

  countPipeline(kind, token) {
    const field = kind === 'capture' ? 'capturePipelines' : 'concatenationPipelines';
    this.effects[`${field}Created`]++;
    if (token !== undefined) {
      const byToken = this.effects[`${field}ByClientRequestToken`];
      byToken[token] = (byToken[token] || 0) + 1;
    }
  }

  // Returns { pipeline, created }. One active capture pipeline per meeting.
  createCapturePipeline(body) {
    if (body.SourceType !== 'ChimeSdkMeeting') throw new AwsError('BadRequest', 'SourceType must be ChimeSdkMeeting.');
    if (body.SinkType !== 'S3Bucket') throw new AwsError('BadRequest', 'SinkType must be S3Bucket.');
    const existing = this.idempotent('capture', body.ClientRequestToken);
    if (existing) return { pipeline: existing, created: false };
    const src = /meeting[:/]([a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12})$/.exec(body.SourceArn || '');
    if (!src || !/^arn:aws[a-z-]*:chime:/.test(body.SourceArn)) {
      throw new AwsError('BadRequest', 'SourceArn must be a Chime SDK meeting ARN.');
    }
    const sink = this.parseS3Arn(body.SinkArn, 'SinkArn');
    const m = this.meetings.get(src[1]);
    if (!m || m.ended) throw new AwsError('NotFound', 'The source meeting does not exist or has ended.');
    for (const p of this.pipelines.values()) {
      if (p.kind === 'capture' && p.meetingId === m.MeetingId && this.isActive(p)) {
        throw new AwsError('Conflict', 'A media capture pipeline is already active for this meeting.');
      }
    }
    const id = crypto.randomUUID();
    const now = nowIso();
    const p = {
      kind: 'capture',
      MediaPipelineId: id,
      MediaPipelineArn: this.pipelineArn(id),
      SourceArn: body.SourceArn,
      SinkArn: body.SinkArn,
      ChimeSdkMeetingConfiguration: body.ChimeSdkMeetingConfiguration,
      SseAwsKeyManagementParams: body.SseAwsKeyManagementParams,
      SinkIamRoleArn: body.SinkIamRoleArn,
      Status: 'Initializing',
      CreatedTimestamp: now,
      UpdatedTimestamp: now,
      meetingId: m.MeetingId,
      sink,
      clientRequestToken: body.ClientRequestToken,
      timer: null,
    };
    this.pipelines.set(id, p);
    if (body.ClientRequestToken !== undefined) this.pipelineByToken.set(`capture:${body.ClientRequestToken}`, id);
    this.countPipeline('capture', body.ClientRequestToken);
    p.timer = setTimeout(() => {
      if (p.Status !== 'Initializing') return;
      this.setStatus(p, 'InProgress');
      this.publishPipeline(p, 'chime:MediaPipelineInProgress');
    }, 20);
    p.timer.unref();
    return { pipeline: p, created: true };
  }

  capturePipeline(id) {
    if (!GUID_RE.test(id)) throw new AwsError('BadRequest', 'MediaPipelineId is not a valid GUID.');
    const p = this.pipelines.get(id);
    if (!p || p.kind !== 'capture' || p.deleted) throw new AwsError('NotFound', 'The media pipeline does not exist.');
    return p;
  }

  // Stops a capture: its chunks land in the sink, then waiting concatenations run.
  stopCapture(p) {
    clearTimeout(p.timer);
    this.setStatus(p, 'Stopped');
    p.capturedAt = Date.now();
    this.publishPipeline(p, 'chime:MediaPipelineDeleted');
    for (const c of this.pipelines.values()) {
      if (c.kind === 'concatenation' && c.sourceId === p.MediaPipelineId && c.Status === 'Initializing') {
        this.runConcatenation(c);
      }
    }
  }

  deleteCapturePipeline(id) {
    const p = this.capturePipeline(id);
    p.deleted = true;
    this.effects.capturePipelinesDeleted++;
    if (this.isActive(p)) this.stopCapture(p);
  }

  createConcatenationPipeline(body) {
    const existing = this.idempotent('concatenation', body.ClientRequestToken);
    if (existing) return { pipeline: existing, created: false };
    if (!Array.isArray(body.Sources) || body.Sources.length !== 1) throw new AwsError('BadRequest', 'Sources must hold 1 item.');
    if (!Array.isArray(body.Sinks) || body.Sinks.length !== 1) throw new AwsError('BadRequest', 'Sinks must hold 1 item.');
    const source = body.Sources[0];
    const sinkItem = body.Sinks[0];
    if (source?.Type !== 'MediaCapturePipeline') throw new AwsError('BadRequest', 'Sources[0].Type must be MediaCapturePipeline.');
    if (sinkItem?.Type !== 'S3Bucket') throw new AwsError('BadRequest', 'Sinks[0].Type must be S3Bucket.');
    const cfg = source.MediaCapturePipelineSourceConfiguration;
    if (!cfg?.ChimeSdkMeetingConfiguration?.ArtifactsConfiguration) {
      throw new AwsError('BadRequest', 'MediaCapturePipelineSourceConfiguration.ChimeSdkMeetingConfiguration.ArtifactsConfiguration is required.');
    }
    const arn = /media-pipeline\/([a-fA-F0-9-]{36})$/.exec(cfg.MediaPipelineArn || '');
    const capture = arn && this.pipelines.get(arn[1]);
    if (!capture || capture.kind !== 'capture') throw new AwsError('NotFound', 'The source media capture pipeline does not exist.');
    const sink = this.parseS3Arn(sinkItem.S3BucketSinkConfiguration?.Destination, 'Sinks[0].S3BucketSinkConfiguration.Destination');
    const id = crypto.randomUUID();
    const now = nowIso();
    const p = {
      kind: 'concatenation',
      MediaPipelineId: id,
      MediaPipelineArn: this.pipelineArn(id),
      Sources: body.Sources,
      Sinks: body.Sinks,
      Status: 'Initializing',
      CreatedTimestamp: now,
      UpdatedTimestamp: now,
      meetingId: capture.meetingId,
      sourceId: capture.MediaPipelineId,
      sink,
      timer: null,
    };
    this.pipelines.set(id, p);
    if (body.ClientRequestToken !== undefined) this.pipelineByToken.set(`concatenation:${body.ClientRequestToken}`, id);
    this.countPipeline('concatenation', body.ClientRequestToken);
    if (!this.isActive(capture)) this.runConcatenation(p);
    return { pipeline: p, created: true };
  }

  // InProgress now; after concatenationMs the single file is in the sink and the pipeline Stopped.
  runConcatenation(p) {
    this.setStatus(p, 'InProgress');
    this.publishPipeline(p, 'chime:MediaPipelineInProgress');
    p.timer = setTimeout(() => {
      const key = [p.sink.prefix, 'composited-video', `${p.MediaPipelineId}.mp4`].filter(Boolean).join('/');
      this.putObject(p.sink.bucket, key, this.options.recordingBytes, `${this.options.recordingSeed}/${p.MediaPipelineId}`);
      p.objectKey = key;
      this.setStatus(p, 'Stopped');
      this.publishPipeline(p, 'chime:MediaPipelineDeleted');
    }, this.options.concatenationMs);
    p.timer.unref();
  }

  getMediaPipeline(id) {
    if (!GUID_RE.test(id)) throw new AwsError('BadRequest', 'MediaPipelineId is not a valid GUID.');
    const p = this.pipelines.get(id);
    if (!p) throw new AwsError('NotFound', 'The media pipeline does not exist.');
    return p.kind === 'capture'
      ? { MediaCapturePipeline: this.captureShape(p) }
      : { MediaConcatenationPipeline: this.concatenationShape(p) };
  }

  // --- S3 objects ---------------------------------------------------------

  putObject(bucket, key, size, seed) {
    const o = { bucket, key, size, seed, lastModified: new Date() };
    this.objects.set(`${bucket}/${key}`, o);
    return o;
  }

  getObject(bucket, key) {
    return this.objects.get(`${bucket}/${key}`);
  }

  listObjects(bucket, prefix) {
    return [...this.objects.values()]
      .filter((o) => o.bucket === bucket && o.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  // --- Control API views --------------------------------------------------

  effectsView() {
    let active = 0;
    for (const m of this.meetings.values()) if (!m.ended) active++;
    let activeCaptures = 0;
    for (const p of this.pipelines.values()) if (p.kind === 'capture' && this.isActive(p)) activeCaptures++;
    return { ...this.effects, meetingsActive: active, capturePipelinesActive: activeCaptures };
  }

  meetingsView() {
    return [...this.meetings.values()].map((m) => ({
      MeetingId: m.MeetingId,
      ExternalMeetingId: m.ExternalMeetingId,
      ClientRequestToken: m.clientRequestToken,
      ended: m.ended,
      endReason: m.endReason,
      attendees: [...m.attendees.values()].map((a) => ({
        AttendeeId: a.AttendeeId, ExternalUserId: a.ExternalUserId, connected: a.connected, deleted: a.deleted,
      })),
    }));
  }
}

module.exports = { ChimeService, GUID_RE };
