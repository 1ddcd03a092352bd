import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(REPO_ROOT, 'tools', 'stack', 'cli.mjs');

/** One process of a part. */
export interface StackInstance {
  id: string;
  pid: number;
  running: boolean;
  /** Once it has ended: its exit code (null when a signal ended it). */
  exitCode: number | null;
  log: string;
}

/** What `cli.mjs up` prints: where each part runs, its instances, the env a client needs. */
export interface StackDescription {
  runId: string;
  /** The run's data folder (stores, keys, logs), deleted when it ends. */
  dataDir: string;
  ports: Record<string, number>;
  parts: Record<string, { where: string; ports: Record<string, number>; instances: StackInstance[] }>;
  env: Record<string, string>;
}

export interface StackRunOptions {
  /** Parts to start (with their dependencies unless `only`). */
  parts: string[];
  /** Start just `parts`; what they depend on runs elsewhere, at `ports`. */
  only?: boolean;
  /** Fixed ports by role (`nats`, `natsMonitor`, `devIdp`, `hostRelay`, `componentWeb`, `streamlit`); the rest are free ones. */
  ports?: Record<string, number>;
  /** Settings by part (`''` for every part). */
  env?: Record<string, Record<string, string>>;
  replicas?: Record<string, number>;
  timeout?: number;
}

/**
 * One run of the stack launcher (`tools/stack/cli.mjs up --ports free --control`; the parts are
 * defined in tools/stack/stack.cjs): started parts on free ports, stopped and started again by
 * command, every process stopped by `down()` — or when this process ends (the launcher's stdin closes).
 */
export class StackRun {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly answers: AsyncIterator<string>,
    private readonly stderr: string[],
    public description: StackDescription,
  ) {}

  static async up(options: StackRunOptions): Promise<StackRun> {
    const args = [CLI, 'up', '--ports', 'free', '--parts', options.parts.join(','), '--no-build', '--control'];
    if (options.only) args.push('--only');
    for (const [role, port] of Object.entries(options.ports ?? {})) args.push('--port', `${role}=${port}`);
    for (const [part, count] of Object.entries(options.replicas ?? {})) args.push('--replicas', `${part}=${count}`);
    for (const [part, values] of Object.entries(options.env ?? {})) {
      for (const [key, value] of Object.entries(values)) args.push('--env', part ? `${part}:${key}=${value}` : `${key}=${value}`);
    }
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.on('data', (d) => {
      stderr.push(String(d));
      if (process.env.TEST_VERBOSE) process.stderr.write(String(d));
    });
    const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await StackRun.next(answers, options.timeout ?? 90_000, () => child.kill('SIGKILL'));
    if (!first) throw new Error(`stack launcher failed (${options.parts.join(', ')}):\n${stderr.join('').slice(-4000)}`);
    return new StackRun(child, answers, stderr, JSON.parse(first));
  }

  private static async next(answers: AsyncIterator<string>, timeout: number, onTimeout: () => void): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => (onTimeout(), reject(new Error(`stack launcher gave no answer in ${timeout / 1000}s`))), timeout);
    });
    try {
      const { value, done } = await Promise.race([answers.next(), timedOut]);
      return done ? undefined : value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A control command: `stop PART|INSTANCE [SIGNAL]`, `start PART|INSTANCE`, `restart PART`, `add PART`. */
  async command(line: string, timeout = 90_000): Promise<StackDescription> {
    this.child.stdin.write(`${line}\n`);
    const answer = await StackRun.next(this.answers, timeout, () => undefined);
    const parsed = answer ? JSON.parse(answer) : { ok: false, error: 'launcher gone' };
    if (!parsed.ok) throw new Error(`stack ${line}: ${parsed.error}\n${this.stderr.join('').slice(-2000)}`);
    this.description = parsed;
    return parsed;
  }

  instance(part: string, index = 0): StackInstance {
    const found = this.description.parts[part]?.instances[index];
    if (!found) throw new Error(`no instance ${index} of ${part} in this run`);
    return found;
  }

  /** The instance's output so far (its log file; after `down()`, what it was then). */
  logLines(part: string, index = 0): string[] {
    const file = this.instance(part, index).log;
    const kept = this.keptLogs.get(file);
    if (kept) return kept;
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** The launcher deletes its data folder, log files included: keep their lines for failure checks. */
  private readonly keptLogs = new Map<string, string[]>();

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async down(): Promise<void> {
    if (!this.running) return;
    // Stop the parts first (dependents first) and keep their logs: the launcher deletes its data
    // folder, log files included, when it ends.
    for (const part of Object.keys(this.description.parts).reverse()) {
      await this.command(`stop ${part}`).catch(() => undefined);
    }
    for (const file of Object.values(this.description.parts).flatMap((p) => p.instances.map((i) => i.log))) {
      if (existsSync(file)) this.keptLogs.set(file, readFileSync(file, 'utf8').split('\n').filter(Boolean));
    }
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end(); // the launcher stops everything when its stdin closes
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}
