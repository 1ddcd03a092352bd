// The HTTP server: /healthz, generated avatars, a request log line per request, and
// oidc-provider for everything else. When the signing keys change on disk (`rotate-keys`) or on
// SIGHUP, a new provider instance with the new JWKS replaces the old one without a restart;
// sessions, grants and refresh tokens survive (shared store, see adapter.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unwatchFile, watchFile } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AccountStore } from './accounts.js';
import { flushState, persistStateIn, storedEntries } from './adapter.js';
import type { DevIdpConfig } from './config.js';
import { KEYS_FILE, loadOrCreateCookieSecret, loadOrCreateKeys, type KeyFile } from './keys.js';
import type { Logger } from './logger.js';
import { createProvider } from './provider.js';
import { avatarSvg } from './views.js';

/** Sessions, grants and refresh tokens (see adapter.ts), next to the keys. */
const STATE_FILE = 'state.json';

function kids(keyFile: KeyFile): string[] {
  return keyFile.keys.map((k) => k.jwk.kid);
}

export class DevIdpServer {
  private server?: Server;
  private handler?: (req: IncomingMessage, res: ServerResponse) => void;
  private keyFile?: KeyFile;
  private accounts?: AccountStore;
  private cookieSecret?: string;
  private reloading = Promise.resolve();

  constructor(
    private readonly config: DevIdpConfig,
    private readonly logger: Logger,
  ) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.config.port;
  }

  get signingKid(): string | undefined {
    return this.keyFile?.keys[0]?.jwk.kid;
  }

  async start(): Promise<void> {
    const { keyFile, created } = await loadOrCreateKeys(this.config.keysDir);
    if (created) this.logger.info({ event: 'keys.created', keys_dir: this.config.keysDir, kid: kids(keyFile)[0] }, 'generated a first signing key');
    this.cookieSecret = loadOrCreateCookieSecret(this.config.keysDir, this.config.cookieSecret);
    this.accounts = AccountStore.fromFile(this.config.usersFile, this.config.issuer);
    if (this.config.persistState) {
      const file = join(this.config.keysDir, STATE_FILE);
      try {
        const restored = persistStateIn(file);
        if (restored) this.logger.info({ event: 'state.restored', entries: restored }, 'sessions and refresh tokens restored');
      } catch (err) {
        this.logger.warn({ event: 'state.unreadable', err: (err as Error).message }, 'starting with an empty store');
      }
    }
    this.install(keyFile);

    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.port, this.config.host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });

    watchFile(join(this.config.keysDir, KEYS_FILE), { interval: 500 }, (curr, prev) => {
      if (curr.mtimeMs !== prev.mtimeMs) void this.reload('keys file changed');
    });
  }

  /** Re-reads keys and users; swaps in a new provider if anything changed. */
  reload(reason: string): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      try {
        const { keyFile } = await loadOrCreateKeys(this.config.keysDir);
        const accounts = AccountStore.fromFile(this.config.usersFile, this.config.issuer);
        this.accounts = accounts;
        this.install(keyFile);
        this.logger.info({ event: 'reloaded', reason, kids: kids(keyFile), users: accounts.size }, 'keys and users reloaded');
      } catch (err) {
        this.logger.error({ event: 'reload.failed', reason, err: (err as Error).message }, 'reload failed; keeping the previous keys and users');
      }
    });
    return this.reloading;
  }

  private install(keyFile: KeyFile): void {
    const provider = createProvider({ config: this.config, accounts: this.accounts!, keyFile, cookieSecret: this.cookieSecret!, logger: this.logger });
    this.handler = provider.callback();
    this.keyFile = keyFile;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.logger.info({ event: 'http', method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });

    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify({
        status: 'ok',
        service: 'dev-idp',
        issuer: this.config.issuer,
        signing_kid: this.signingKid,
        published_kids: this.keyFile ? kids(this.keyFile) : [],
        users: this.accounts?.size ?? 0,
        stored_entries: storedEntries(),
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }

    const avatar = /^\/avatars\/([^/]+)\.svg$/.exec(path);
    if (avatar && req.method === 'GET') {
      let sub = '';
      try {
        sub = decodeURIComponent(avatar[1]);
      } catch {
        /* falls through to 404 */
      }
      const initials = this.accounts?.initials(sub);
      if (initials) {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' });
        res.end(avatarSvg(initials));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
      return;
    }

    this.handler!(req, res);
  }

  async stop(): Promise<void> {
    unwatchFile(join(this.config.keysDir, KEYS_FILE));
    try {
      flushState();
    } catch (err) {
      this.logger.warn({ event: 'state.save_failed', err: (err as Error).message }, 'could not save sessions');
    }
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    });
  }
}
