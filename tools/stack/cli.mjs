#!/usr/bin/env node
// The stack launcher's command line (tools/stack/stack.cjs is the definition):
//
//   node tools/stack/cli.mjs up [--ports free|standard] [--parts nats,dev-idp,…] [--replicas api-service=3 | --replicas 2]
//                               [--env KEY=VALUE] [--env part:KEY=VALUE] [--no-build] [--control]
//                               [--only --port nats=4222 --port natsMonitor=8222 …]
//   node tools/stack/cli.mjs up --serve --parts PART    (a project's Nx `serve` target)
//   (--only: start just --parts, not their dependencies, which run elsewhere at the --port given;
//   --replicas N: N of every part that scales (stack.SCALABLE_PARTS), HAProxy in front of the HTTP ones;
//   --serve: the user's run of --parts alone on the standard ports — their environment applies, state
//   stays in the parts' own folders, the output goes to stdout and no JSON is printed)
//   node tools/stack/cli.mjs down [RUN_ID]
//
// `up` builds what it starts through Nx (cached), starts the parts with their dependencies, prints
// ONE line of JSON on stdout (every part's ports, instances with pids and log files, and the env a
// client needs) and keeps running until SIGINT/SIGTERM or `down`. Its own messages go to stderr.
// With --control it reads commands from stdin, one a line, and answers each with one JSON line:
// `stop PART|INSTANCE [SIGNAL [GRACE_MS]]`, `start PART|INSTANCE`, `restart PART`, `add PART` (a replica),
// `describe`, `down`; stdin closing (the parent is gone) stops the stack too.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { up } = require('./launcher.cjs');
const stack = require('./stack.cjs');

const STATE_DIR = path.join(os.tmpdir(), 'auth-bus-stack-runs');
const log = (msg) => process.stderr.write(`[stack] ${msg}\n`);

function parseEnv(values) {
  const env = {};
  const partEnv = {};
  for (const item of values) {
    const m = /^(?:([a-z-]+):)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(item);
    if (!m) throw new Error(`--env ${item}: expected KEY=VALUE or part:KEY=VALUE`);
    const [, part, key, value] = m;
    if (part) (partEnv[part] ??= {})[key] = value;
    else env[key] = value;
  }
  return { env, partEnv };
}

/** `--replicas part=COUNT` (repeatable) or `--replicas COUNT` (every part that scales). */
function parseReplicas(values) {
  return Object.fromEntries(
    values.flatMap((item) => {
      const m = /^(?:([a-z-]+)=)?([1-9]\d?)$/.exec(item);
      if (!m) throw new Error(`--replicas ${item}: expected COUNT or part=COUNT (COUNT 1–99)`);
      if (m[1] && !stack.PARTS_BY_NAME[m[1]]) throw new Error(`--replicas ${item}: unknown part "${m[1]}"`);
      return (m[1] ? [m[1]] : stack.SCALABLE_PARTS).map((part) => [part, Number(m[2])]);
    }),
  );
}

async function commandUp(args) {
  const { values } = parseArgs({
    args,
    options: {
      ports: { type: 'string', default: 'standard' },
      port: { type: 'string', multiple: true, default: [] },
      only: { type: 'boolean', default: false },
      parts: { type: 'string' },
      replicas: { type: 'string', multiple: true, default: [] },
      env: { type: 'string', multiple: true, default: [] },
      'no-build': { type: 'boolean', default: false },
      control: { type: 'boolean', default: false },
      serve: { type: 'boolean', default: false },
    },
  });
  if (values.serve) Object.assign(values, { ports: 'standard', only: true, 'no-build': true });
  if (!['free', 'standard'].includes(values.ports)) throw new Error(`--ports ${values.ports}: expected free or standard`);
  const parts = values.parts ? values.parts.split(',').filter(Boolean) : stack.PARTS.map((p) => p.name);
  const { env, partEnv } = parseEnv(values.env);
  if (!values['no-build']) {
    const projects = stack.withDependencies(parts).map((n) => stack.PARTS_BY_NAME[n].project);
    log(`building ${projects.join(', ')} (Nx, cached)`);
    require('../dev/system.cjs').buildQuietly(projects);
  }
  const fixedPorts = Object.fromEntries(
    values.port.map((item) => {
      const m = /^([A-Za-z]+)=(\d+)$/.exec(item);
      if (!m || !(m[1] in stack.PORT_VARIABLES)) throw new Error(`--port ${item}: expected ROLE=PORT, ROLE one of ${Object.keys(stack.PORT_VARIABLES).join(', ')}`);
      return [m[1], Number(m[2])];
    }),
  );
  const echo = values.serve ? (id, line) => process.stdout.write(`[${id}] ${line}\n`) : undefined;
  const run = await up({ ports: values.ports, fixedPorts, only: values.only, parts, replicas: parseReplicas(values.replicas), env, partEnv, log, userEnv: values.serve, echo });
  mkdirSync(STATE_DIR, { recursive: true });
  const stateFile = path.join(STATE_DIR, `${run.runId}.json`);
  const describe = () => ({ ...run.describe(), stateFile });
  writeFileSync(stateFile, JSON.stringify(describe()));

  let stopping;
  const down = (code = 0) =>
    (stopping ??= (async () => {
      await run.down();
      rmSync(stateFile, { force: true });
      log(`run ${run.runId} stopped`);
      process.exit(code);
    })());
  process.on('SIGINT', () => down(0));
  process.on('SIGTERM', () => down(0));
  if (values.serve) {
    // Nothing secret on a terminal: where each part runs, not the JSON (it holds the NATS passwords).
    for (const [name, part] of Object.entries(run.describe().parts)) log(`${name} ready: ${part.where}`);
    return;
  }
  process.stdout.write(`${JSON.stringify(describe())}\n`);

  if (values.control) {
    const lines = readline.createInterface({ input: process.stdin });
    // One command at a time, in order.
    let queue = Promise.resolve();
    lines.on('line', (line) => {
      queue = queue.then(async () => {
        const [verb, target, signal, grace] = line.trim().split(/\s+/);
        try {
          if (verb === 'stop') await run.stopPart(target, signal, grace ? Number(grace) : undefined);
          else if (verb === 'start') await run.startPart(target);
          else if (verb === 'restart') await run.restartPart(target);
          else if (verb === 'add') await run.addReplica(target);
          else if (verb === 'down') return void (await down(0));
          else if (verb !== 'describe') throw new Error(`unknown command "${verb}" (stop, start, restart, add, describe, down)`);
          writeFileSync(stateFile, JSON.stringify(describe()));
          process.stdout.write(`${JSON.stringify({ ok: true, ...describe() })}\n`);
        } catch (err) {
          process.stdout.write(`${JSON.stringify({ ok: false, error: err.message })}\n`);
        }
      });
    });
    lines.on('close', () => queue.then(() => down(0)));
  }
}

/** Stops a run started by `up` (by its run id; without one, the only run there is). */
async function commandDown(args) {
  let runId = args[0];
  if (!runId) {
    const runs = (() => {
      try {
        return readdirSync(STATE_DIR).filter((f) => f.endsWith('.json'));
      } catch {
        return [];
      }
    })();
    if (runs.length !== 1) throw new Error(runs.length ? `several runs: name one (${runs.map((f) => f.slice(0, -5)).join(', ')})` : 'no stack is running');
    runId = runs[0].slice(0, -5);
  }
  const stateFile = path.join(STATE_DIR, `${runId}.json`);
  const { pid } = JSON.parse(readFileSync(stateFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    rmSync(stateFile, { force: true }); // its launcher is gone already
    return;
  }
  const deadline = Date.now() + 30_000;
  const gone = () => {
    try {
      process.kill(pid, 0);
      // An exited launcher its parent has not reaped yet (a zombie) is gone too.
      return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  };
  for (;;) {
    if (gone()) return;
    if (Date.now() > deadline) throw new Error(`run ${runId} (pid ${pid}) did not stop within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'up') await commandUp(rest);
  else if (command === 'down') await commandDown(rest);
  else throw new Error('usage: node tools/stack/cli.mjs up [--ports free] [--parts a,b] [--replicas part=N] [--env [part:]KEY=VALUE] [--no-build] [--control] | down [RUN_ID]');
} catch (err) {
  log(`✖ ${err.message}`);
  process.exit(1);
}
