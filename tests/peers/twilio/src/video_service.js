'use strict';
// The state of a Twilio Video v1 account: rooms, participants, recordings and
// compositions, with the lifecycle Twilio gives them and the status callbacks
// it sends. Resource shapes follow ../shared/data/video/twilio/twilio_video_v1.json.
//
// Room lifecycle: created in-progress (room-created); participants connect and
// disconnect (participant-connected/-disconnected, simulated through the control
// API); recording rules include or exclude tracks (recording-started when a
// track's recording begins, recording-completed when it stops); the room ends
// when completed through the API, when unused for UnusedRoomTimeout minutes
// after creation, or empty for EmptyRoomTimeout minutes after the last one left
// (every participant disconnected, recordings completed, room-ended).
// Compositions of a completed room go enqueued → processing → completed after
// `compositionMs` (composition-enqueued, -progress, -available).

const crypto = require('node:crypto');
const { errors } = require('./twilio_errors');

const BASE = 'https://video.twilio.com';
const TRACK_KINDS = ['audio', 'video'];

class VideoService {
  constructor(options, emit) {
    this.options = options;      // { accountSid, minuteMs, compositionMs, mediaBytes, mediaSeed }
    this.emit = emit;            // (url, params) => void
    this.reset();
  }

  reset() {
    for (const room of this.rooms ? this.rooms.values() : []) this.clearTimers(room);
    for (const c of this.compositions ? this.compositions.values() : []) clearTimeout(c.timer);
    this.rooms = new Map();        // sid → room
    this.recordings = new Map();   // sid → recording
    this.compositions = new Map(); // sid → composition
    this.counter = 0;
    this.lastTimestampMs = 0;
    this.effects = {
      roomsCreated: 0,
      roomsCreatedByUniqueName: {},
      roomsEnded: 0,
      participantsConnected: 0,
      participantsDisconnectedByApi: 0,
      recordingRulesUpdates: 0,
      recordingsStarted: 0,
      compositionsCreated: 0,
      compositionsCreatedByUniqueName: {},
      compositionsCreatedByRoomSid: {},
      recordingsDeleted: 0,
      compositionsDeleted: 0,
      mediaFetches: 0,
    };
  }

  sid(prefix) {
    this.counter += 1;
    const hex = crypto.createHash('sha256').update(`${prefix}:${this.counter}:${this.options.mediaSeed}`).digest('hex');
    return prefix + hex.slice(0, 32);
  }

  // Now, or the time the control API's simulated action says it happened.
  nowMs() {
    return this.simulatedAt !== undefined ? this.simulatedAt : Date.now();
  }

  // Strictly increasing ISO 8601 timestamps with milliseconds, as Twilio
  // sends; a simulated action's own time as it is.
  timestamp() {
    if (this.simulatedAt !== undefined) return new Date(this.simulatedAt).toISOString();
    const now = Math.max(Date.now(), this.lastTimestampMs + 1);
    this.lastTimestampMs = now;
    return new Date(now).toISOString();
  }

  iso(ms) {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // ---- rooms -------------------------------------------------------------

  createRoom(form) {
    const type = form.one('Type') || 'group';
    if (!['go', 'peer-to-peer', 'group', 'group-small'].includes(type)) throw errors.invalid('Type is invalid');
    const uniqueName = form.one('UniqueName');
    const ints = {};
    for (const [name, min, max] of [['MaxParticipants', 1, 50], ['EmptyRoomTimeout', 1, 60],
      ['UnusedRoomTimeout', 1, 60], ['MaxParticipantDuration', 600, 86400]]) {
      const v = form.one(name);
      if (v === undefined) continue;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || n < min || n > max) throw errors.invalid(`${name} must be an integer ${min}..${max}`);
      ints[name] = n;
    }
    const bools = {};
    for (const name of ['RecordParticipantsOnConnect', 'AudioOnly', 'EnableTurn', 'LargeRoom']) {
      const v = form.one(name);
      if (v === undefined) continue;
      if (v !== 'true' && v !== 'false') throw errors.invalid(`${name} must be true or false`);
      bools[name] = v === 'true';
    }
    const statusCallback = form.one('StatusCallback');
    if (statusCallback !== undefined) {
      try {
        new URL(statusCallback);
      } catch {
        throw errors.invalid('StatusCallback is not a valid URL');
      }
    }
    const codecs = form.all('VideoCodecs');
    for (const c of codecs) if (!['VP8', 'H264'].includes(c)) throw errors.invalid('VideoCodecs must be VP8 or H264');
    if (uniqueName !== undefined) {
      if (uniqueName.length === 0 || uniqueName.length > 128) throw errors.invalid('UniqueName must be 1..128 characters');
      if (this.inProgressByName(uniqueName)) throw errors.roomExists();
    }
    const now = Date.now();
    const sid = this.sid('RM');
    const room = {
      sid,
      uniqueName: uniqueName === undefined ? sid : uniqueName,
      status: 'in-progress',
      type,
      createdMs: now,
      updatedMs: now,
      endMs: null,
      statusCallback: statusCallback || null,
      statusCallbackMethod: form.one('StatusCallbackMethod') || 'POST',
      maxParticipants: ints.MaxParticipants ?? 50,
      maxParticipantDuration: ints.MaxParticipantDuration ?? 14400,
      emptyRoomTimeout: ints.EmptyRoomTimeout ?? 5,
      unusedRoomTimeout: ints.UnusedRoomTimeout ?? 5,
      recordParticipantsOnConnect: bools.RecordParticipantsOnConnect ?? false,
      audioOnly: bools.AudioOnly ?? false,
      largeRoom: bools.LargeRoom ?? false,
      videoCodecs: codecs.length ? codecs : ['VP8', 'H264'],
      mediaRegion: form.one('MediaRegion') || 'us1',
      participants: [],      // in join order
      rules: bools.RecordParticipantsOnConnect ? [{ type: 'include', all: true }] : [],
      rulesUpdatedMs: now,
      sequence: 0,
      timers: {},
    };
    this.rooms.set(sid, room);
    this.effects.roomsCreated += 1;
    this.effects.roomsCreatedByUniqueName[room.uniqueName] = (this.effects.roomsCreatedByUniqueName[room.uniqueName] || 0) + 1;
    this.roomCallback(room, 'room-created');
    this.armTimer(room, 'unused', room.unusedRoomTimeout);
    return room;
  }

  inProgressByName(name) {
    for (const room of this.rooms.values()) if (room.status === 'in-progress' && room.uniqueName === name) return room;
    return null;
  }

  // Twilio resolves {Sid} as a SID, or as the UniqueName of an in-progress room.
  findRoom(sidOrName) {
    return this.rooms.get(sidOrName) || this.inProgressByName(sidOrName) || null;
  }

  room(sidOrName) {
    const room = this.findRoom(sidOrName);
    if (!room) throw errors.notFound(`/Rooms/${sidOrName}`);
    return room;
  }

  listRooms(query) {
    const status = query.get('Status');
    const name = query.get('UniqueName');
    return [...this.rooms.values()]
      .filter((r) => (!status || r.status === status) && (!name || r.uniqueName === name))
      .sort((a, b) => b.createdMs - a.createdMs);
  }

  updateRoom(sidOrName, form) {
    const room = this.room(sidOrName);
    const status = form.one('Status');
    if (status !== 'completed') throw errors.invalid('Status must be completed');
    if (room.status === 'in-progress') this.endRoom(room, 'room_ended_via_api');
    return room;
  }

  endRoom(room, reason) {
    this.clearTimers(room);
    for (const p of room.participants) if (p.status === 'connected') this.disconnect(room, p);
    room.status = 'completed';
    room.endMs = this.nowMs();
    room.updatedMs = room.endMs;
    room.endReason = reason;
    this.effects.roomsEnded += 1;
    this.roomCallback(room, 'room-ended', { RoomDuration: String(Math.round((room.endMs - room.createdMs) / 1000)) });
  }

  armTimer(room, which, minutes) {
    clearTimeout(room.timers[which]);
    room.timers[which] = setTimeout(() => {
      if (room.status === 'in-progress') this.endRoom(room, 'timeout');
    }, minutes * this.options.minuteMs);
    room.timers[which].unref();
  }

  clearTimers(room) {
    for (const t of Object.values(room.timers)) clearTimeout(t);
    room.timers = {};
  }

  roomJson(room) {
    const url = `${BASE}/v1/Rooms/${room.sid}`;
    return {
      sid: room.sid,
      status: room.status,
      date_created: this.iso(room.createdMs),
      date_updated: this.iso(room.updatedMs),
      account_sid: this.options.accountSid,
      enable_turn: true,
      unique_name: room.uniqueName,
      status_callback: room.statusCallback,
      status_callback_method: room.statusCallbackMethod,
      end_time: room.endMs === null ? null : this.iso(room.endMs),
      duration: room.endMs === null ? null : Math.round((room.endMs - room.createdMs) / 1000),
      type: room.type,
      max_participants: room.maxParticipants,
      max_participant_duration: room.maxParticipantDuration,
      max_concurrent_published_tracks: 170,
      record_participants_on_connect: room.recordParticipantsOnConnect,
      video_codecs: room.videoCodecs,
      media_region: room.mediaRegion,
      audio_only: room.audioOnly,
      empty_room_timeout: room.emptyRoomTimeout,
      unused_room_timeout: room.unusedRoomTimeout,
      large_room: room.largeRoom,
      url,
      links: {
        participants: `${url}/Participants`,
        recordings: `${url}/Recordings`,
        recording_rules: `${url}/RecordingRules`,
      },
    };
  }

  roomParams(room, event) {
    room.sequence += 1;
    return {
      AccountSid: this.options.accountSid,
      RoomName: room.uniqueName,
      RoomSid: room.sid,
      RoomStatus: room.status,
      RoomType: room.type,
      StatusCallbackEvent: event,
      Timestamp: this.timestamp(),
      SequenceNumber: String(room.sequence - 1),
    };
  }

  roomCallback(room, event, extra = {}) {
    this.emit(room.statusCallback, { ...this.roomParams(room, event), ...extra });
  }

  // ---- participants ------------------------------------------------------

  join(room, identity) {
    if (room.status !== 'in-progress') throw errors.invalid('Room is not in progress');
    if (typeof identity !== 'string' || identity === '') throw errors.invalid('identity is required');
    const connected = room.participants.filter((p) => p.status === 'connected');
    if (connected.length >= room.maxParticipants) throw errors.invalid('Room is full');
    // A second connection with the same identity replaces the first, as in Twilio.
    for (const p of connected) if (p.identity === identity) this.disconnect(room, p);
    const now = this.nowMs();
    const participant = {
      sid: this.sid('PA'), identity, status: 'connected', startMs: now, endMs: null, updatedMs: now, tracks: [],
    };
    for (const kind of room.audioOnly ? ['audio'] : TRACK_KINDS) {
      participant.tracks.push({ sid: this.sid(kind === 'audio' ? 'MT' : 'MT'), kind, name: `${kind}-${participant.sid.slice(2, 10)}`, recording: null });
    }
    room.participants.push(participant);
    this.effects.participantsConnected += 1;
    clearTimeout(room.timers.unused);
    clearTimeout(room.timers.empty);
    this.roomCallback(room, 'participant-connected', this.participantParams(participant));
    this.applyRules(room);
    return participant;
  }

  disconnect(room, participant) {
    if (participant.status !== 'connected') return;
    for (const track of participant.tracks) this.stopTrackRecording(room, participant, track);
    participant.status = 'disconnected';
    participant.endMs = this.nowMs();
    participant.updatedMs = participant.endMs;
    this.roomCallback(room, 'participant-disconnected', {
      ...this.participantParams(participant),
      ParticipantDuration: String(Math.round((participant.endMs - participant.startMs) / 1000)),
    });
    if (room.status === 'in-progress' && !room.participants.some((p) => p.status === 'connected')) {
      this.armTimer(room, 'empty', room.emptyRoomTimeout);
    }
  }

  participantParams(p) {
    return { ParticipantSid: p.sid, ParticipantIdentity: p.identity, ParticipantStatus: p.status };
  }

  findParticipant(room, sidOrIdentity) {
    return room.participants.find((p) => p.sid === sidOrIdentity)
      || room.participants.find((p) => p.identity === sidOrIdentity && p.status === 'connected')
      || room.participants.find((p) => p.identity === sidOrIdentity)
      || null;
  }

  participant(room, sidOrIdentity) {
    const p = this.findParticipant(room, sidOrIdentity);
    if (!p) throw errors.notFound(`/Rooms/${room.sid}/Participants/${sidOrIdentity}`);
    return p;
  }

  listParticipants(room, query) {
    const status = query.get('Status') || (room.status === 'in-progress' ? 'connected' : 'disconnected');
    const identity = query.get('Identity');
    return room.participants.filter((p) => p.status === status && (!identity || p.identity === identity));
  }

  updateParticipant(room, sidOrIdentity, form) {
    const p = this.participant(room, sidOrIdentity);
    if (form.one('Status') !== 'disconnected') throw errors.invalid('Status must be disconnected');
    if (p.status === 'connected') {
      this.effects.participantsDisconnectedByApi += 1;
      this.disconnect(room, p);
    }
    return p;
  }

  participantJson(room, p) {
    const url = `${BASE}/v1/Rooms/${room.sid}/Participants/${p.sid}`;
    return {
      sid: p.sid,
      room_sid: room.sid,
      account_sid: this.options.accountSid,
      status: p.status,
      identity: p.identity,
      date_created: this.iso(p.startMs),
      date_updated: this.iso(p.updatedMs),
      start_time: this.iso(p.startMs),
      end_time: p.endMs === null ? null : this.iso(p.endMs),
      duration: p.endMs === null ? null : Math.round((p.endMs - p.startMs) / 1000),
      url,
      links: { published_tracks: `${url}/PublishedTracks`, subscribed_tracks: `${url}/SubscribedTracks`, subscribe_rules: `${url}/SubscribeRules`, anonymize: `${url}/Anonymize` },
    };
  }

  // ---- recording rules and recordings ------------------------------------

  updateRules(room, form) {
    const raw = form.one('Rules');
    if (raw === undefined) throw errors.invalid('Rules is required');
    let rules;
    try {
      rules = JSON.parse(raw);
    } catch {
      throw errors.invalid('Rules must be a JSON array');
    }
    if (rules && !Array.isArray(rules) && Array.isArray(rules.rules)) rules = rules.rules;
    if (!Array.isArray(rules)) throw errors.invalid('Rules must be a JSON array');
    for (const r of rules) {
      if (typeof r !== 'object' || r === null || !['include', 'exclude'].includes(r.type)) {
        throw errors.invalid('each rule needs type include or exclude');
      }
      const filters = ['all', 'publisher', 'kind', 'track'].filter((k) => r[k] !== undefined);
      if (filters.length === 0) throw errors.invalid('each rule needs a filter: all, publisher, kind or track');
      if (r.kind !== undefined && !['audio', 'video', 'data'].includes(r.kind)) throw errors.invalid('kind must be audio, video or data');
    }
    room.rules = rules;
    room.rulesUpdatedMs = Date.now();
    this.effects.recordingRulesUpdates += 1;
    if (room.status === 'in-progress') this.applyRules(room);
    return room;
  }

  // A track is recorded when some include rule matches it and no exclude rule does.
  recorded(room, participant, track) {
    const matches = (r) => (r.all === true)
      || (r.publisher !== undefined && r.publisher === participant.identity)
      || (r.kind !== undefined && r.kind === track.kind)
      || (r.track !== undefined && r.track === track.name);
    return room.rules.some((r) => r.type === 'include' && matches(r))
      && !room.rules.some((r) => r.type === 'exclude' && matches(r));
  }

  applyRules(room) {
    for (const p of room.participants) {
      if (p.status !== 'connected') continue;
      for (const track of p.tracks) {
        const want = this.recorded(room, p, track);
        if (want && !track.recording) this.startTrackRecording(room, p, track);
        if (!want && track.recording) this.stopTrackRecording(room, p, track);
      }
    }
  }

  startTrackRecording(room, participant, track) {
    const now = Date.now();
    const recording = {
      sid: this.sid('RT'), roomSid: room.sid, participantSid: participant.sid, participantIdentity: participant.identity,
      trackName: track.name, trackSid: track.sid, kind: track.kind, status: 'processing', startMs: now, endMs: null,
      size: 0, duration: 0,
    };
    track.recording = recording;
    this.recordings.set(recording.sid, recording);
    this.effects.recordingsStarted += 1;
    this.roomCallback(room, 'recording-started', this.recordingParams(recording));
  }

  stopTrackRecording(room, participant, track) {
    const recording = track.recording;
    if (!recording) return;
    track.recording = null;
    recording.status = 'completed';
    recording.endMs = Date.now();
    recording.duration = Math.max(1, Math.round((recording.endMs - recording.startMs) / 1000));
    recording.size = this.options.mediaBytes;
    this.roomCallback(room, 'recording-completed', {
      ...this.recordingParams(recording), Duration: String(recording.duration), Size: String(recording.size),
    });
  }

  recordingParams(r) {
    return {
      ParticipantSid: r.participantSid,
      ParticipantIdentity: r.participantIdentity,
      RecordingSid: r.sid,
      RecordingUri: `/v1/Recordings/${r.sid}`,
      MediaUri: `/v1/Recordings/${r.sid}/Media`,
      SourceSid: r.trackSid,
      TrackName: r.trackName,
      Type: r.kind,
      Container: 'mka',
      Codec: r.kind === 'audio' ? 'opus' : 'VP8',
      OffsetFromTwilioVectorEpoch: '0',
    };
  }

  recording(sid) {
    const r = this.recordings.get(sid);
    if (!r) throw errors.notFound(`/Recordings/${sid}`);
    return r;
  }

  listRecordings(query, roomSid) {
    const grouping = roomSid || query.get('GroupingSid');
    const status = query.get('Status');
    const source = query.get('SourceSid');
    return [...this.recordings.values()].filter((r) => (!grouping || r.roomSid === grouping)
      && (!status || r.status === status) && (!source || r.trackSid === source));
  }

  deleteRecording(sid) {
    const r = this.recording(sid);
    if (r.status === 'processing') throw errors.invalid('A recording in progress cannot be deleted');
    if (r.status !== 'deleted') {
      r.status = 'deleted';
      this.effects.recordingsDeleted += 1;
    }
  }

  recordingJson(r) {
    const url = `${BASE}/v1/Recordings/${r.sid}`;
    return {
      account_sid: this.options.accountSid,
      status: r.status,
      date_created: this.iso(r.startMs),
      sid: r.sid,
      source_sid: r.trackSid,
      size: r.size,
      url,
      type: r.kind,
      duration: r.endMs === null ? null : r.duration,
      container_format: 'mka',
      codec: r.kind === 'audio' ? 'opus' : 'VP8',
      grouping_sids: { room_sid: r.roomSid, participant_sid: r.participantSid },
      track_name: r.trackName,
      offset: 0,
      media_external_location: null,
      status_callback: null,
      status_callback_method: 'POST',
      room_sid: r.roomSid,
      links: { media: `${url}/Media` },
    };
  }

  // ---- compositions -------------------------------------------------------

  createComposition(form) {
    const roomSid = form.one('RoomSid');
    if (!roomSid) throw errors.invalid('RoomSid is required');
    const room = this.rooms.get(roomSid);
    if (!room) throw errors.notFound(`/Rooms/${roomSid}`);
    if (room.status !== 'completed') throw errors.roomNotCompleted();
    const format = form.one('Format') || 'webm';
    if (!['mp4', 'webm'].includes(format)) throw errors.invalid('Format must be mp4 or webm');
    let layout = null;
    const rawLayout = form.one('VideoLayout');
    if (rawLayout !== undefined) {
      try {
        layout = JSON.parse(rawLayout);
      } catch {
        throw errors.invalid('VideoLayout must be JSON');
      }
    }
    const audio = form.all('AudioSources');
    if (!layout && audio.length === 0) throw errors.invalid('Either VideoLayout or AudioSources must be provided');
    const statusCallback = form.one('StatusCallback');
    const now = Date.now();
    const composition = {
      sid: this.sid('CJ'), roomSid, uniqueName: room.uniqueName, status: 'enqueued', format, layout,
      audioSources: audio, audioSourcesExcluded: form.all('AudioSourcesExcluded'),
      resolution: form.one('Resolution') || '640x480', trim: form.one('Trim') !== 'false',
      statusCallback: statusCallback || null, createdMs: now, completedMs: null, size: 0, duration: 0,
      fail: false, timer: null,
    };
    this.compositions.set(composition.sid, composition);
    this.effects.compositionsCreated += 1;
    const bump = (map, key) => { map[key] = (map[key] || 0) + 1; };
    bump(this.effects.compositionsCreatedByUniqueName, room.uniqueName);
    bump(this.effects.compositionsCreatedByRoomSid, roomSid);
    this.compositionCallback(composition, 'composition-enqueued');
    composition.timer = setTimeout(() => this.progressComposition(composition), this.options.compositionMs / 2);
    composition.timer.unref();
    return composition;
  }

  progressComposition(c) {
    if (c.status !== 'enqueued') return;
    c.status = 'processing';
    if (this.options.compositionMs < 0) return; // held in processing until the control API finishes it
    this.compositionCallback(c, 'composition-progress', { PercentageDone: '50', SecondsRemaining: '1' });
    c.timer = setTimeout(() => this.finishComposition(c, c.fail ? 'failed' : 'completed'), this.options.compositionMs / 2);
    c.timer.unref();
  }

  finishComposition(c, outcome) {
    if (c.status !== 'processing' && c.status !== 'enqueued') return;
    clearTimeout(c.timer);
    c.completedMs = Date.now();
    if (outcome === 'failed') {
      c.status = 'failed';
      this.compositionCallback(c, 'composition-failed', { FailedOperation: 'composition', ErrorCode: '53400', ErrorMessage: 'Composition failed' });
      return;
    }
    c.status = 'completed';
    c.size = this.options.mediaBytes;
    const room = this.rooms.get(c.roomSid);
    c.duration = room && room.endMs ? Math.max(1, Math.round((room.endMs - room.createdMs) / 1000)) : 1;
    this.compositionCallback(c, 'composition-available', {
      CompositionUri: `/v1/Compositions/${c.sid}`, MediaUri: `/v1/Compositions/${c.sid}/Media`,
      Size: String(c.size), Duration: String(c.duration),
    });
  }

  compositionCallback(c, event, extra = {}) {
    this.emit(c.statusCallback, {
      AccountSid: this.options.accountSid, RoomSid: c.roomSid, CompositionSid: c.sid,
      StatusCallbackEvent: event, Timestamp: this.timestamp(), ...extra,
    });
  }

  composition(sid) {
    const c = this.compositions.get(sid);
    if (!c) throw errors.notFound(`/Compositions/${sid}`);
    return c;
  }

  listCompositions(query) {
    const roomSid = query.get('RoomSid');
    const status = query.get('Status');
    return [...this.compositions.values()].filter((c) => (!roomSid || c.roomSid === roomSid) && (!status || c.status === status))
      .sort((a, b) => b.createdMs - a.createdMs);
  }

  deleteComposition(sid) {
    const c = this.composition(sid);
    if (c.status !== 'deleted') {
      clearTimeout(c.timer);
      c.status = 'deleted';
      this.effects.compositionsDeleted += 1;
    }
  }

  mediaSeed(kind, sid) {
    return `${this.options.mediaSeed}/${kind}/${sid}`;
  }

  compositionJson(c) {
    const url = `${BASE}/v1/Compositions/${c.sid}`;
    return {
      account_sid: this.options.accountSid,
      status: c.status,
      date_created: this.iso(c.createdMs),
      date_completed: c.completedMs === null ? null : this.iso(c.completedMs),
      date_deleted: null,
      sid: c.sid,
      room_sid: c.roomSid,
      audio_sources: c.audioSources,
      audio_sources_excluded: c.audioSourcesExcluded,
      video_layout: c.layout || {},
      resolution: c.resolution,
      trim: c.trim,
      format: c.format,
      bitrate: c.status === 'completed' ? 64 : 0,
      size: c.size,
      duration: c.duration,
      media_external_location: null,
      status_callback: c.statusCallback,
      status_callback_method: 'POST',
      url,
      links: { media: `${url}/Media` },
    };
  }
}

module.exports = { VideoService };
