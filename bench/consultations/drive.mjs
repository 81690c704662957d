// The hospital's side of bench/consultations: books N appointments in the
// EHR at a fixed rate, admits the doctor and the patient of each
// consultation that reaches the waiting room, has the Chime peer report both
// joining and the meeting ending, and waits for every consultation to be
// completed. Then it reads each consultation's timeline and prints one JSON
// object of measurements (bench/consultations/run turns it into the table).
//
// usage: node drive.mjs <settings.json>
// settings: hub (base URL), keys {hospital, clinician, integrator}, fhir
// (the FHIR peer's origin), chime (the Chime peer's origin), count, rate
// (appointments per second), drivers (sessions driven at once), deadline_s,
// pids {hub, peers: {name: pid}, postgres}, psql_url.
//
// The driver's own CPU is not counted: it stands for the hospital's systems
// and the clinicians' and patients' browsers.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const TICKS = 100; // USER_HZ on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();

// ---- CPU of a process (and, for PostgreSQL, of its backends) --------------
function statOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3): utime is field 14, so index 11.
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      children: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}
// CPU seconds of `pid` with its reaped children, plus its live children
// when `tree` (PostgreSQL's backends are the postmaster's children).
function cpuSeconds(pid, tree) {
  const root = statOf(pid);
  if (!root) return NaN;
  let ticks = root.own + root.children;
  if (tree) {
    for (const entry of readdirSafe('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = statOf(entry);
      if (s && s.ppid === pid) ticks += s.own + s.children;
    }
  }
  return ticks / TICKS;
}
function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
function cpuSample() {
  const peers = {};
  for (const [name, pid] of Object.entries(settings.pids.peers)) peers[name] = cpuSeconds(pid, false);
  return { hub: cpuSeconds(settings.pids.hub, false), peers, postgres: cpuSeconds(settings.pids.postgres, true) };
}

function psql(sql) {
  return execFileSync('psql', [settings.psql_url, '-Atc', sql], { encoding: 'utf8' }).trim();
}
function walLsn() {
  return psql('SELECT pg_current_wal_lsn()');
}

// ---- HTTP ------------------------------------------------------------------
async function call(method, url, { key, body, headers = {} } = {}) {
  const h = { ...headers };
  if (key) h.Authorization = `Bearer ${key}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30000) });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: res.status, json, text };
    } catch (err) {
      // A connection the server closed as this request went out: the
      // driver's requests are idempotent (keys) or reads, so send again.
      if (attempt >= 3) throw err;
      await sleep(100);
    }
  }
}
const hub = (path) => `${settings.hub}${path}`;

async function metricsText() {
  const r = await call('GET', hub('/metrics'), { key: settings.keys.integrator });
  return r.text;
}
// Sum of a counter's series whose labels contain every `match` pair.
function counterSum(text, name, match = {}) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = m[2] || '';
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
function clientCounters(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^wasl_http_client_(requests|connections)_total\{client="([^"]*)",scheme="([^"]*)"\}\s+([0-9.eE+-]+)$/.exec(line);
    if (!m) continue;
    const k = `${m[2]} ${m[3]}`;
    out[k] = out[k] || { requests: 0, connections: 0 };
    out[k][m[1]] += Number(m[4]);
  }
  return out;
}

// ---- the EHR books ---------------------------------------------------------
const stored = new Map(); // appointment id -> when it was stored (ms)
function fhirTime(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
async function book(i, fhir = settings.fhir, prefix = 'bench') {
  const id = `${prefix}-${settings.run}-${i}`;
  const start = now();
  const appointment = {
    resourceType: 'Appointment',
    id,
    status: 'booked',
    serviceType: [{ text: 'Telehealth consultation' }],
    start: fhirTime(start),
    end: fhirTime(start + 30 * 60 * 1000),
    participant: [
      { actor: { reference: 'Patient/fatimah-alzahrani' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/khalid-alharbi' }, status: 'accepted' },
    ],
  };
  stored.set(id, start);
  const r = await call('POST', `${fhir}/_peer/seed`, { body: { fixtures: [], resources: [appointment] } });
  if (r.status !== 200 && r.status !== 201) throw new Error(`the FHIR peer refused ${id}: ${r.status} ${r.text}`);
}

// ---- the session, as the hospital, the clinician and Chime would ---------
async function drive(consultation) {
  const path = hub(`/v1/consultations/${consultation}/participants`);
  const doctor = await call('POST', path, {
    key: settings.keys.clinician,
    body: { role: 'doctor', display_name: 'Dr Bench' },
    headers: { 'Idempotency-Key': `doctor-${consultation}` },
  });
  if (doctor.status !== 201 || !doctor.json.join) throw new Error(`adding the doctor: ${doctor.status} ${doctor.text}`);
  const meeting = doctor.json.join.provider.room_id;
  const attendees = [doctor.json.join.provider_participant_id];
  const patient = await call('POST', path, {
    key: settings.keys.hospital,
    body: { role: 'patient', display_name: 'مريض' },
    headers: { 'Idempotency-Key': `patient-${consultation}` },
  });
  if (patient.status !== 201) throw new Error(`adding the patient: ${patient.status} ${patient.text}`);
  const admitted = await call('POST', `${path}/${patient.json.id}/admit`, { key: settings.keys.clinician, body: {} });
  if (admitted.status !== 200 || !admitted.json.join) throw new Error(`admitting the patient: ${admitted.status} ${admitted.text}`);
  attendees.push(admitted.json.join.provider_participant_id);
  // Both join; the meeting's end says it came a second later (its time is
  // what attendance counts; nothing waits for it).
  const joinedAt = now();
  const simulate = `${settings.chime}/_peer/meetings/${meeting}/simulate`;
  const joined = await call('POST', simulate, { body: { actions: attendees.map((a) => ({ type: 'join', attendeeId: a, at: joinedAt })) } });
  if (joined.status !== 200) throw new Error(`joining: ${joined.status} ${joined.text}`);
  const ended = await call('POST', simulate, { body: { type: 'end', at: joinedAt + 1000 } });
  if (ended.status !== 200) throw new Error(`ending: ${ended.status} ${ended.text}`);
}

async function listAll(status) {
  const out = [];
  let cursor = '';
  for (;;) {
    const r = await call('GET', hub(`/v1/consultations?status=${status}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), { key: settings.keys.hospital });
    if (r.status !== 200) throw new Error(`listing ${status}: ${r.status} ${r.text}`);
    out.push(...r.json.items);
    if (!r.json.next_cursor) return out;
    cursor = r.json.next_cursor;
  }
}

function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function main() {
  const count = settings.count;
  const rate = settings.rate;
  const ours = new Map(); // consultation id -> appointment id (this run's)
  const driven = new Set();
  const failures = [];
  let booked = 0;

  const metricsBefore = await metricsText();
  const walBefore = walLsn();
  const sizeBefore = Number(psql('SELECT pg_database_size(current_database())'));
  const cpuBefore = cpuSample();
  const t0 = now();

  // Arrivals at a fixed rate, each on its own schedule (a slow answer does
  // not delay the next arrival).
  const arrivals = (async () => {
    const pending = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      pending.push(book(i).then(() => booked++, (err) => failures.push(String(err))));
    }
    await Promise.all(pending);
  })();

  // The neighbour (settings.neighbour): another facility whose EHR answers
  // every call 30 s late books one appointment a second meanwhile.
  const neighbour = settings.neighbour;
  let neighbourBooked = 0;
  let neighbourDone = false;
  let neighbourArrivals = Promise.resolve();
  if (neighbour) {
    const fault = await call('POST', `${neighbour.fhir}/_peer/faults`, {
      body: { operation: '*', count: 10000, delayMs: neighbour.hang_ms },
    });
    if (fault.status !== 200) throw new Error(`the neighbour's EHR took no fault: ${fault.status} ${fault.text}`);
    neighbourArrivals = (async () => {
      const pending = [];
      for (let i = 0; !neighbourDone; i++) {
        const wait = t0 + (i * 1000) / neighbour.rate - now();
        if (wait > 0) await sleep(wait);
        if (neighbourDone) break;
        pending.push(book(i, neighbour.fhir, 'neighbour').then(() => neighbourBooked++, (err) => failures.push(String(err))));
      }
      await Promise.all(pending);
    })();
  }

  // Consultations reaching the waiting room are driven, `drivers` at a time.
  let active = 0;
  const queue = [];
  const sessions = [];
  const pump = () => {
    while (active < settings.drivers && queue.length > 0) {
      const id = queue.shift();
      active++;
      sessions.push(
        drive(id)
          .catch((err) => failures.push(`${id}: ${err}`))
          .finally(() => {
            active--;
            pump();
          }),
      );
    }
  };
  const prefix = `Appointment/bench-${settings.run}-`;
  let completed = 0;
  let lastCompletedPoll = 0;
  const deadline = t0 + settings.deadline_s * 1000;
  while (now() < deadline) {
    for (const c of await listAll('waiting_room')) {
      const ref = c.appointment_ref || '';
      if (!ref.startsWith(prefix) || driven.has(c.id)) continue;
      driven.add(c.id);
      ours.set(c.id, ref.slice('Appointment/'.length));
      queue.push(c.id);
    }
    pump();
    if (now() - lastCompletedPoll >= 2000) {
      lastCompletedPoll = now();
      completed = (await listAll('completed')).filter((c) => (c.appointment_ref || '').startsWith(prefix)).length;
      if (completed >= count) break;
    }
    await sleep(200);
  }
  const t1 = now();
  neighbourDone = true;
  const cpuAfter = cpuSample();
  const walAfter = walLsn();
  const sizeAfter = Number(psql('SELECT pg_database_size(current_database())'));
  const metricsAfter = await metricsText();
  await arrivals;
  await Promise.all(sessions);
  await neighbourArrivals;

  // The neighbour's EHR answers again: every appointment it announced must
  // become a consultation that reaches its waiting room (nothing lost).
  let neighbourResult = null;
  if (neighbour) {
    const cleared = await call('DELETE', `${neighbour.fhir}/_peer/faults`);
    if (cleared.status !== 200) failures.push(`clearing the neighbour's faults: ${cleared.status}`);
    const answering = now();
    const nprefix = `Appointment/neighbour-${settings.run}-`;
    let waiting = 0;
    let seen = 0;
    let replayed = 0;
    while (now() - answering < 300000) {
      // A booking given up while the EHR hung is parked, kept for replay:
      // replayed as the integration engineer would.
      const parked = await call('GET', hub('/v1/webhooks/unmatched?state=parked&limit=200'), { key: neighbour.key });
      for (const row of parked.status === 200 ? parked.json.items : []) {
        const r = await call('POST', hub(`/v1/webhooks/unmatched/${row.id}/replay`), { key: neighbour.key, body: {} });
        if (r.status === 202) replayed++;
      }
      const r = await call('GET', hub(`/v1/consultations?limit=200`), { key: neighbour.key });
      const all = [];
      let page = r;
      for (;;) {
        if (page.status !== 200) break;
        all.push(...page.json.items);
        if (!page.json.next_cursor) break;
        page = await call('GET', hub(`/v1/consultations?limit=200&cursor=${encodeURIComponent(page.json.next_cursor)}`), { key: neighbour.key });
      }
      const mine = all.filter((c) => (c.appointment_ref || '').startsWith(nprefix));
      seen = mine.length;
      waiting = mine.filter((c) => c.status === 'waiting_room').length;
      if (waiting >= neighbourBooked) break;
      await sleep(1000);
    }
    neighbourResult = {
      booked: neighbourBooked,
      consultations: seen,
      in_waiting_room: waiting,
      parked_and_replayed: replayed,
      resumed_in_s: (now() - answering) / 1000,
    };
  }

  // Each consultation's timeline: when it reached the waiting room, when
  // the room's end arrived, when the claim was submitted, when it completed.
  const toWaiting = [];
  const endToClaim = [];
  const completions = [];
  const statuses = {};
  const steps = {};
  for (const [id, appointment] of ours) {
    const t = await call('GET', hub(`/v1/consultations/${id}/timeline`), { key: settings.keys.integrator });
    if (t.status !== 200) {
      failures.push(`${id}: timeline ${t.status}`);
      continue;
    }
    const finished = (step) => {
      const a = t.json.attempts.filter((x) => x.step_id === step && x.status === 'succeeded');
      return a.length ? a[a.length - 1].finished_at_ms : null;
    };
    const waiting = finished('waiting');
    if (waiting && stored.has(appointment)) toWaiting.push(waiting - stored.get(appointment));
    const endEvent = t.json.events.find((e) => e.type === 'room.ended');
    const claim = finished('claim_submitted');
    if (endEvent && claim) endToClaim.push(claim - endEvent.received_at_ms);
    const done = finished('completed');
    if (done) completions.push(done);
    const s = t.json.status;
    statuses[s] = (statuses[s] || 0) + 1;
    // Where the time goes: each step's run (started to finished) and its
    // wait (the previous step's finish to its start), first attempts.
    let previous = t.json.created_at_ms;
    for (const a of t.json.attempts) {
      if (a.attempt !== 1 || !a.finished_at_ms) continue;
      const e = (steps[a.step_id] = steps[a.step_id] || { run: [], wait: [] });
      e.run.push(a.finished_at_ms - a.started_at_ms);
      if (previous) e.wait.push(a.started_at_ms - previous);
      previous = a.finished_at_ms;
    }
  }

  // The sustained rate: completions in the second half of the arrivals'
  // span, over that half (the first half fills the pipeline).
  const lastArrival = t0 + ((count - 1) * 1000) / rate;
  const windowStart = t0 + (lastArrival - t0) / 2;
  const inWindow = completions.filter((c) => c >= windowStart && c <= lastArrival).length;
  const windowS = (lastArrival - windowStart) / 1000;
  const spanS = (t1 - t0) / 1000;
  const n = completions.length || 1;

  const cpuDelta = (a, b) => b - a;
  const peersCpu = {};
  let peersTotal = 0;
  for (const name of Object.keys(cpuBefore.peers)) {
    peersCpu[name] = cpuDelta(cpuBefore.peers[name], cpuAfter.peers[name]);
    peersTotal += peersCpu[name];
  }
  const before = clientCounters(metricsBefore);
  const after = clientCounters(metricsAfter);
  const outbound = {};
  for (const [k, v] of Object.entries(after)) {
    const b = before[k] || { requests: 0, connections: 0 };
    outbound[k] = { requests: v.requests - b.requests, connections: v.connections - b.connections };
  }
  const walBytes = Number(psql(`SELECT pg_wal_lsn_diff('${walAfter}', '${walBefore}')`));

  const result = {
    count,
    rate,
    booked,
    driven: driven.size,
    completed: completions.length,
    statuses,
    span_s: spanS,
    completed_per_minute_sustained: windowS > 0 ? (inWindow / windowS) * 60 : null,
    completed_per_minute_span: (completions.length / spanS) * 60,
    keeps_up: completions.length === count && windowS > 0 && inWindow / windowS >= 0.95 * rate,
    cpu_ms_per_consultation: {
      hub: (cpuDelta(cpuBefore.hub, cpuAfter.hub) * 1000) / n,
      peers: (peersTotal * 1000) / n,
      peers_by_name: Object.fromEntries(Object.entries(peersCpu).map(([k, v]) => [k, (v * 1000) / n])),
      postgres: (cpuDelta(cpuBefore.postgres, cpuAfter.postgres) * 1000) / n,
    },
    booking_to_waiting_ms: { p50: quantile(toWaiting, 0.5), p99: quantile(toWaiting, 0.99), n: toWaiting.length },
    room_end_to_claim_ms: { p50: quantile(endToClaim, 0.5), p99: quantile(endToClaim, 0.99), n: endToClaim.length },
    wal_bytes_per_consultation: walBytes / n,
    database_growth_bytes_per_consultation: (sizeAfter - sizeBefore) / n,
    outbound_per_consultation: Object.fromEntries(
      Object.entries(outbound).map(([k, v]) => [k, { requests: v.requests / n, connections: v.connections / n }]),
    ),
    webhooks_received: counterSum(metricsAfter, 'wasl_webhooks_received_total') - counterSum(metricsBefore, 'wasl_webhooks_received_total'),
    steps_ms: Object.fromEntries(
      Object.entries(steps).map(([k, v]) => [k, { run_p50: quantile(v.run, 0.5), run_p99: quantile(v.run, 0.99), wait_p50: quantile(v.wait, 0.5), wait_p99: quantile(v.wait, 0.99) }]),
    ),
    steps_deferred: counterSum(metricsAfter, 'wasl_workflow_steps_deferred_total') - counterSum(metricsBefore, 'wasl_workflow_steps_deferred_total'),
    calls_refused: counterSum(metricsAfter, 'wasl_plugin_calls_refused_total') - counterSum(metricsBefore, 'wasl_plugin_calls_refused_total'),
    neighbour: neighbourResult,
    tasks_deferred: counterSum(metricsAfter, 'wasl_tasks_deferred_total') - counterSum(metricsBefore, 'wasl_tasks_deferred_total'),
    failures: failures.slice(0, 20),
    failure_count: failures.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`drive.mjs: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
