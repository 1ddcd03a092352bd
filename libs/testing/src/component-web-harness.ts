import { join, resolve } from 'node:path';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { buildWithNx } from './nx-build';
import { waitFor } from './wait-for';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const NEXT_BIN = join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

/** Builds component-web (`next build`, the production build that `serve` runs) through Nx (cached). */
export function ensureComponentWebBuilt(): void {
  buildWithNx(['component-web'], ['apps/component-web/.next/BUILD_ID']);
}

export interface ComponentWebHarnessOptions {
  /** Port to serve on; a free one by default. APP_BASE_URL follows it (`http://localhost:<port>`). */
  port?: number;
  /** The identity provider, e.g. a DevIdpHarness issuer `http://localhost:<port>/` (use `localhost`). */
  auth0Domain?: string;
  /** Origins allowed to frame `/streamlit` (STREAMLIT_ORIGINS). */
  streamlitOrigins?: string[];
  /** WebSocket origins the frame may connect to (RELAY_ORIGINS), e.g. `ws://127.0.0.1:<relay port>`. */
  relayOrigins?: string[];
  /** Any further environment (AUTH0_CLIENT_SECRET, AUTH0_AUDIENCE, …). */
  env?: Record<string, string>;
  timeout?: number;
}

/**
 * The production build of component-web (`next start`) on a free port, for component and
 * end-to-end tests. Builds it first when needed (about half a minute).
 *
 *   const web = await ComponentWebHarness.start({ auth0Domain: idp.issuer, streamlitOrigins: [hostOrigin] });
 *   page.goto(`${web.url}/streamlit`);
 */
export class ComponentWebHarness {
  private proc?: ManagedProcess;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: ComponentWebHarnessOptions = {}): Promise<ComponentWebHarness> {
    ensureComponentWebBuilt();
    const port = options.port ?? (await freePort());
    const env: Record<string, string> = {
      NEXT_TELEMETRY_DISABLED: '1',
      APP_BASE_URL: `http://localhost:${port}`,
      // a fixed secret per harness: no file is written into the app folder by tests
      AUTH0_SECRET: Buffer.from(`component-web-test-${port}`.padEnd(32, '-').slice(0, 32)).toString('hex'),
      ...(options.auth0Domain ? { AUTH0_DOMAIN: options.auth0Domain.replace(/\/$/, '') } : {}),
      ...(options.streamlitOrigins ? { STREAMLIT_ORIGINS: options.streamlitOrigins.join(' ') } : {}),
      ...(options.relayOrigins ? { RELAY_ORIGINS: options.relayOrigins.join(' ') } : {}),
      ...options.env,
    };
    const harness = new ComponentWebHarness(port, env);
    await harness.startProcess(options.timeout ?? 30_000);
    return harness;
  }

  /** `http://localhost:<port>` (APP_BASE_URL). */
  get url(): string {
    return `http://localhost:${this.port}`;
  }

  get origin(): string {
    return this.url;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  logs(n = 40): string {
    return this.proc?.tail(n) ?? '';
  }

  get logLines(): readonly string[] {
    return this.proc?.lines ?? [];
  }

  private async startProcess(timeout: number): Promise<void> {
    const proc = ManagedProcess.start(
      'component-web',
      process.execPath,
      [NEXT_BIN, 'start', 'apps/component-web', '-p', String(this.port), '-H', '127.0.0.1'],
      this.env as NodeJS.ProcessEnv,
      REPO_ROOT,
    );
    this.proc = proc;
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`component-web exited:\n${proc.tail()}`);
        return (await fetch(`http://127.0.0.1:${this.port}/api/health`)).ok;
      },
      { timeout, interval: 200, what: `component-web on :${this.port}` },
    );
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}
