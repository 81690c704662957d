'use strict';
// A peer's command line: every option is a flag with an environment variable
// (<ENV_PREFIX>_<FLAG IN CAPITALS>, e.g. --events-url → CHIME_PEER_EVENTS_URL)
// and a default; a flag wins over the environment. --host, --port and
// --port-file are declared for every peer.
//
// A declaration: { name: { flag: '--x-y', default: 'v', type: 'string' | 'integer',
//                          min: 0, help: 'one line' } }
// `type` is 'string' unless given; an integer's `min` is 0 unless given
// (null: no lower bound).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const STANDARD_OPTIONS = {
  host: { flag: '--host', default: '127.0.0.1', help: 'loopback address to listen on' },
  port: { flag: '--port', default: 0, type: 'integer', help: 'port; 0 for any free port' },
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
function usage({ script = 'src/main.js', envPrefix, options }) {
  const lines = Object.values(declared(options)).map((o) => {
    const def = o.default === '' ? 'none' : JSON.stringify(o.default);
    const help = o.help ? `  ${o.help}` : '';
    return `  ${o.flag} VALUE   (env ${envName(envPrefix, o.flag)}, default ${def})${help}`;
  });
  return `usage: node ${script} [options]\n${lines.join('\n')}\n`;
}

function convert(name, option, text) {
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
function parseOptions({ envPrefix, options }, argv, env = {}) {
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
  if (values.port > 65535) throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  return { values };
}

module.exports = { parseOptions, usage, envName, UsageError, STANDARD_OPTIONS };
