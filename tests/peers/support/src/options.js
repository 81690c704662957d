'use strict';
// A peer's command line: every option is a flag with an environment variable
// (<ENV_PREFIX>_<FLAG IN CAPITALS>, e.g. --events-url → CHIME_PEER_EVENTS_URL)
// and a default; a flag wins over the environment. --host, --port and
// --port-file are declared for every peer.
//
// A declaration: { name: { flag: '--x-y', default: 'v', type: 'string' | 'integer' |
//                          'boolean' | 'list', min: 0, port: true, help: 'one line' } }
// `type` is 'string' unless given; an integer's `min` is 0 unless given
// (null: no lower bound), and with `port: true` it is at most 65535; a boolean is `true` or `false`; a list is
// comma-separated (blanks trimmed, empty items dropped) and becomes an array.
// The declaration may also have `notes` (lines printed before the flags by
// --help) and `check(values)`, which may adjust the parsed values and throws
// UsageError for a combination that is wrong (--tls-key without --tls-cert).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const STANDARD_OPTIONS = {
  host: { flag: '--host', default: '127.0.0.1', help: 'loopback address to listen on' },
  port: { flag: '--port', default: 0, type: 'integer', port: true, help: 'port; 0 for any free port' },
  portFile: { flag: '--port-file', default: '', help: 'written with the port once listening' },
};

class UsageError extends Error {}

function envName(envPrefix, flag) {
  return `${envPrefix}_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

function declared(options) {
  return { ...STANDARD_OPTIONS, ...options };
}

// The --help text.
function usage({ script = 'src/main.js', envPrefix, options, notes = '' }) {
  const lines = Object.values(declared(options)).map((o) => {
    const def = o.default === '' ? 'none' : JSON.stringify(o.default);
    const help = o.help ? `  ${o.help}` : '';
    return `  ${o.flag} VALUE   (env ${envName(envPrefix, o.flag)}, default ${def})${help}`;
  });
  const intro = notes ? `${notes.replace(/\n*$/, '')}\n` : '';
  return `usage: node ${script} [options]\n${intro}${lines.join('\n')}\n`;
}

function convert(name, option, text) {
  if (option.type === 'boolean') {
    if (text === true || text === false) return text;
    if (text !== 'true' && text !== 'false') {
      throw new UsageError(`${option.flag} must be true or false, got ${JSON.stringify(String(text))}`);
    }
    return text === 'true';
  }
  if (option.type === 'list') {
    if (Array.isArray(text)) return [...text];
    return String(text).split(',').map((item) => item.trim()).filter(Boolean);
  }
  if (option.type !== 'integer') return String(text);
  const n = Number(text);
  const min = option.min === undefined ? 0 : option.min;
  if (String(text).trim() === '' || !Number.isSafeInteger(n) || (min !== null && n < min)) {
    const range = min === null ? 'an integer' : `an integer ≥ ${min}`;
    throw new UsageError(`${option.flag} must be ${range}, got ${JSON.stringify(String(text))}`);
  }
  return n;
}

// Parses argv (without node and the script) against the declaration.
// Returns { help: true } for --help/-h, else { values } with every declared
// name set. Throws UsageError naming the flag for anything unknown or malformed.
function parseOptions({ envPrefix, options, check }, argv, env = {}) {
  const all = declared(options);
  const raw = {};
  for (const [name, o] of Object.entries(all)) {
    const fromEnv = env[envName(envPrefix, o.flag)];
    raw[name] = fromEnv === undefined ? o.default : fromEnv;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const entry = Object.entries(all).find(([, o]) => arg === o.flag || arg.startsWith(`${o.flag}=`));
    if (!entry) throw new UsageError(`unknown option ${arg}`);
    const [name, o] = entry;
    if (arg.startsWith(`${o.flag}=`)) {
      raw[name] = arg.slice(o.flag.length + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`${o.flag} needs a value`);
      raw[name] = argv[++i];
    }
  }
  const values = {};
  for (const [name, o] of Object.entries(all)) values[name] = convert(name, o, raw[name]);
  if (!LOOPBACK_HOSTS.has(values.host)) {
    throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1), got ${JSON.stringify(values.host)}`);
  }
  for (const [name, o] of Object.entries(all)) {
    if (o.port && values[name] > 65535) throw new UsageError(`${o.flag} must be 0..65535, got ${values[name]}`);
  }
  if (check) check(values);
  return { values };
}

module.exports = { parseOptions, usage, envName, UsageError, STANDARD_OPTIONS };
