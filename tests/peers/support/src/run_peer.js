'use strict';
// runPeer: a peer's src/main.js in one call. Parses the options (--help
// prints them), builds the peer, listens on the loopback port, then writes
// the port to --port-file (atomically: a reader sees the whole number or no
// file) and prints {"port":N} on one line of stdout. A peer with a control
// listener of its own (a non-zero `controlPort` once listening; its
// --control-port option, when declared, is passed to listen()) writes
// {"port":N,"control_port":M} to both instead. `readyLine(ports, values)`,
// when given, is the line printed instead of that JSON (the port file
// keeps its form): for a peer whose users wait for a line of their own.
// SIGTERM or SIGINT close the peer and exit 0 (1 when closing takes longer
// than closeDeadlineMs).
// Exit status 2: bad options; 1: the peer could not start. A peer whose
// parent process is gone stops itself as on SIGTERM.
//
//   runPeer({
//     name: 'chime-peer', envPrefix: 'CHIME_PEER',
//     options: { region: { flag: '--region', default: 'us-east-1' } },
//     create: (values) => new ChimePeer(values),   // has listen({host, port}) and close()
//   });

const fs = require('node:fs');
const { parseOptions, usage, UsageError } = require('./options');

// `ports` is a port number or the JSON object of both ports.
function writePortFile(file, ports) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${typeof ports === 'number' ? ports : JSON.stringify(ports)}\n`);
  fs.renameSync(tmp, file);
}

async function runPeer({
  name, envPrefix, options = {}, notes, check, create, readyLine, script = 'src/main.js',
  argv = process.argv.slice(2), env = process.env, closeDeadlineMs = 10000, parentCheckMs = 1000,
}) {
  const parent = process.ppid;
  const declaration = { envPrefix, options, notes, check, script };
  let parsed;
  try {
    parsed = parseOptions(declaration, argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${name}: ${err.message}\n${usage(declaration)}`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(usage(declaration));
    process.exit(0);
  }
  const { values } = parsed;
  let peer;
  try {
    peer = await create(values);
    const port = await peer.listen({ host: values.host, port: values.port, controlPort: values.controlPort });
    const controlPort = peer.controlPort || 0;
    const ports = controlPort ? { port, control_port: controlPort } : { port };
    if (values.portFile) writePortFile(values.portFile, controlPort ? ports : port);
    process.stdout.write(`${readyLine ? readyLine(ports, values) : JSON.stringify(ports)}\n`);
  } catch (err) {
    process.stderr.write(`${name}: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`${name}: not closed within ${closeDeadlineMs} ms of ${signal}\n`);
      process.exit(1);
    }, closeDeadlineMs).unref();
    Promise.resolve(peer.close()).then(() => process.exit(0), (err) => {
      process.stderr.write(`${name}: closing failed: ${err && err.message ? err.message : err}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A test that dies without stopping its peer (a crash, a ctest timeout)
  // leaves it to the init process: the peer then stops itself.
  setInterval(() => {
    if (process.ppid !== parent) stop('the loss of its parent process');
  }, parentCheckMs).unref();
  return peer;
}

module.exports = { runPeer, writePortFile };
