import { freePort } from './free-port';
import { processAlive } from './managed-process';
import { StackRun } from './stack-client';

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
 * The production build of component-web (`next start`) on a free port, as the stack launcher
 * runs it (tools/stack/stack.cjs), for component and end-to-end tests. Built through Nx first.
 *
 *   const web = await ComponentWebHarness.start({ auth0Domain: idp.issuer, streamlitOrigins: [hostOrigin] });
 *   page.goto(`${web.url}/streamlit`);
 */
export class ComponentWebHarness {
  private run?: StackRun;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: ComponentWebHarnessOptions = {}): Promise<ComponentWebHarness> {
    const port = options.port ?? (await freePort());
    const env: Record<string, string> = {
      // a fixed secret per harness: no file is written into the app folder by tests
      AUTH0_SECRET: Buffer.from(`component-web-test-${port}`.padEnd(32, '-').slice(0, 32)).toString('hex'),
      ...(options.auth0Domain ? { AUTH0_DOMAIN: options.auth0Domain.replace(/\/$/, '') } : {}),
      ...(options.streamlitOrigins ? { STREAMLIT_ORIGINS: options.streamlitOrigins.join(' ') } : {}),
      ...(options.relayOrigins ? { RELAY_ORIGINS: options.relayOrigins.join(' ') } : {}),
      ...options.env,
    };
    const harness = new ComponentWebHarness(port, env);
    harness.run = await StackRun.up({ parts: ['component-web'], only: true, ports: { componentWeb: port }, env: { 'component-web': env }, timeout: Math.max(options.timeout ?? 30_000, 90_000) });
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
    return processAlive(this.run?.running ? this.run.instance('component-web').pid : undefined);
  }

  logs(n = 40): string {
    return this.logLines.slice(-n).join('\n');
  }

  get logLines(): readonly string[] {
    return this.run?.logLines('component-web') ?? [];
  }

  async stop(): Promise<void> {
    await this.run?.down();
  }
}
