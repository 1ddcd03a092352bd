import { loadBridgeRoutes } from '@auth-bus/service-kit/config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ROUTES_FILE, loadHttpBridgeConfig } from './http-bridge.config';

describe('loadHttpBridgeConfig', () => {
  it('names BRIDGE_ROUTES_FILE when the file cannot be read, and defaults to the sample routes', () => {
    expect(() => loadBridgeRoutes('/nonexistent/routes.yaml')).toThrow(/BRIDGE_ROUTES_FILE: cannot read \/nonexistent\/routes.yaml \(ENOENT\)/);
    expect(() => loadHttpBridgeConfig({ BRIDGE_ROUTES_FILE: '/nonexistent/routes.yaml' })).toThrow(/BRIDGE_ROUTES_FILE/);
    const config = loadHttpBridgeConfig({});
    expect(config.routesFile).toBe(DEFAULT_ROUTES_FILE);
    expect(config.routes.routes.map((r) => r.path)).toEqual(['/api/legacy/ping', '/api/legacy/pong', '/api/legacy/pong-scoped']);
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'http-bridge', pass: 'http-bridge-dev-password' });
    const dir = mkdtempSync(join(tmpdir(), 'bridge-routes-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ routes: [{ id: 'x', path: '/api/x', upstream: 'http://127.0.0.1:1/x' }] }));
    expect(loadHttpBridgeConfig({ BRIDGE_ROUTES_FILE: join(dir, 'r.json') }).routes.routes[0].subject).toBe('bridge.x');
  });
});
