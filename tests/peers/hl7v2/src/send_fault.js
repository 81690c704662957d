'use strict';
// The transport fault of one send (POST /_peer/send's "fault"): a name, or
// an object with `kind` and its settings. parseSendFault() fills defaults
// and refuses anything else:
//
//   "none"                                        an ordinary send
//   {"kind":"drop"}                               the whole message, then the connection closes before the ACK is read
//   {"kind":"duplicate", "wait_ack": true,        the same bytes (same MSH-10) twice: after the first ACK, or
//    "reconnect": false}                          back to back in one write (wait_ack false); reconnect: the copy on a new connection
//   {"kind":"fragments", "pieces": 4, "delay_ms": 50}   the frame in `pieces` TCP writes, `delay_ms` apart
//   {"kind":"stall", "stall_ms": 1000, "then": "finish"}  half the frame, a pause, then the rest ("finish") or a close ("close")
//   {"kind":"oversize", "bytes": 2097152}         the message padded to exactly `bytes` bytes (2 MiB unless given)

class SendFaultError extends Error {}

const KINDS = {
  none: {},
  drop: {},
  duplicate: { wait_ack: { type: 'boolean', default: true }, reconnect: { type: 'boolean', default: false } },
  fragments: { pieces: { min: 2, max: 10000, default: 4 }, delay_ms: { min: 0, max: 60000, default: 50 } },
  stall: { stall_ms: { min: 0, max: 600000, default: 1000 }, then: { oneOf: ['finish', 'close'], default: 'finish' } },
  oversize: { bytes: { min: 1, max: 64 * 1024 * 1024, default: 2 * 1024 * 1024 } },
};

function parseSendFault(input) {
  if (input === undefined || input === null) return { kind: 'none' };
  const rule = typeof input === 'string' ? { kind: input } : input;
  if (typeof rule !== 'object' || Array.isArray(rule)) throw new SendFaultError('fault is a name or an object with "kind"');
  const settings = KINDS[rule.kind];
  if (!settings) throw new SendFaultError(`fault kind must be one of ${Object.keys(KINDS).join(', ')}, got ${JSON.stringify(rule.kind)}`);
  const unknown = Object.keys(rule).filter((k) => k !== 'kind' && !(k in settings));
  if (unknown.length) throw new SendFaultError(`fault ${rule.kind} takes ${Object.keys(settings).join(', ') || 'nothing else'}, not ${unknown.join(', ')}`);
  const fault = { kind: rule.kind };
  for (const [name, spec] of Object.entries(settings)) {
    const value = rule[name] === undefined ? spec.default : rule[name];
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw new SendFaultError(`fault ${rule.kind}: ${name} must be true or false`);
    } else if (spec.oneOf) {
      if (!spec.oneOf.includes(value)) throw new SendFaultError(`fault ${rule.kind}: ${name} must be ${spec.oneOf.join(' or ')}`);
    } else if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new SendFaultError(`fault ${rule.kind}: ${name} must be an integer ${spec.min}..${spec.max}`);
    }
    fault[name] = value;
  }
  return fault;
}

module.exports = { parseSendFault, SendFaultError, SEND_FAULT_KINDS: Object.keys(KINDS) };
