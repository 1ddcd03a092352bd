import { bridgeRouteTable, parseBridgeRoutes } from './bridge-routes';
import { ConfigError } from './env';

const ok = `routes:
  - id: legacy-pong
    path: /api/legacy/pong
    upstream: http://127.0.0.1:5000/api/pong
  - id: notes-post
    method: post
    path: /api/legacy/notes
    upstream: https://api.example.com/v1/notes
    permission: write:notes
    token: accesstoken
    timeout: 2s
    body_limit: 1KiB
`;

function problem(text: string): string {
  try {
    parseBridgeRoutes(text, 'routes.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('bridge routes file', () => {
  it('reads every field, with defaults, and derives subjects and the origin allow-list', () => {
    const { routes, allowedOrigins, bySubject } = parseBridgeRoutes(ok);
    expect(routes[0]).toMatchObject({ id: 'legacy-pong', method: 'GET', subject: 'bridge.legacy-pong', public: false, token: 'bearer', timeoutMs: 10_000, bodyLimitBytes: 16_384 });
    expect(routes[1]).toMatchObject({ method: 'POST', permission: 'write:notes', token: 'accesstoken', timeoutMs: 2_000, bodyLimitBytes: 1_024 });
    expect([...allowedOrigins]).toEqual(['http://127.0.0.1:5000', 'https://api.example.com']);
    expect(bySubject.get('bridge.notes-post')?.upstream.href).toBe('https://api.example.com/v1/notes');
  });

  it('gives the relay a route table entry per route', () => {
    expect(bridgeRouteTable(parseBridgeRoutes(ok))).toEqual([
      { method: 'GET', path: '/api/legacy/pong', subject: 'bridge.legacy-pong', protected: true },
      { method: 'POST', path: '/api/legacy/notes', subject: 'bridge.notes-post', protected: true },
    ]);
  });

  it('reads JSON too', () => {
    const { routes } = parseBridgeRoutes(JSON.stringify({ routes: [{ id: 'a', path: '/api/a', upstream: 'http://h/a', public: true, token: 'bearer' }] }));
    expect(routes[0]).toMatchObject({ public: true, token: 'none' });
  });

  it('names the file, line, entry and field of a bad value', () => {
    const bad = ok.replace('token: accesstoken', 'token: cookie');
    expect(problem(bad)).toMatch(/^routes\.yaml:10: routes\[1\] \(notes-post\) token: /);
    expect(problem(ok.replace('https://api.example.com/v1/notes', 'file:///etc/passwd'))).toMatch(/^routes\.yaml:8: routes\[1\] \(notes-post\) upstream: must be http/);
    expect(problem(ok.replace('https://api.example.com', 'https://user:pw@api.example.com'))).toMatch(/upstream: must not carry credentials/);
    expect(problem(ok.replace('timeout: 2s', 'timeout: soon'))).toMatch(/:11: .*timeout: "soon" is not a duration/);
    expect(problem(ok.replace('body_limit: 1KiB', 'body_limit: 1MB'))).toMatch(/body_limit: must be at most 65536/);
    expect(problem(ok.replace('method: post', 'method: CONNECT'))).toMatch(/:6: routes\[1\] \(notes-post\) method/);
    expect(problem(ok.replace('    token: accesstoken\n', '    token: accesstoken\n    upstream_url: x\n'))).toMatch(/routes\[1\] \(notes-post\).*upstream_url/);
    expect(problem(ok.replace('path: /api/legacy/pong', 'path: /admin/pong'))).toMatch(/:3: routes\[0\] \(legacy-pong\) path: a path under \/api\//);
  });

  it('refuses duplicates, built-in routes, public routes with a permission, broken YAML and an empty list', () => {
    expect(problem(ok.replace('id: notes-post', 'id: legacy-pong'))).toMatch(/:5: routes\[1\] \(legacy-pong\) id: id "legacy-pong" is already used by routes\[0\]/);
    expect(problem(ok.replace('/api/legacy/notes', '/api/legacy/pong').replace('method: post', 'method: get'))).toMatch(/GET \/api\/legacy\/pong is already routed by routes\[0\]/);
    expect(problem(ok.replace('/api/legacy/pong\n', '/api/pong\n'))).toMatch(/GET \/api\/pong is a built-in route/);
    expect(problem(ok.replace('permission: write:notes', 'permission: write:notes\n    public: true'))).toMatch(/a public route cannot require a permission/);
    expect(problem('routes:\n  - id: [unclosed\n')).toMatch(/^routes\.yaml:\d+: not valid YAML\/JSON/);
    expect(problem('routes: []\n')).toMatch(/routes: at least one route/);
  });

});

describe('bridge routes file: ${VAR} in upstream', () => {
  const file = (upstream: string) => `routes:\n  - id: legacy-ping\n    path: /api/legacy/ping\n    upstream: "${upstream}"\n    public: true\n`;

  it('takes the variable when set, else the default after :-', () => {
    const [set] = parseBridgeRoutes(file('${LEGACY_API_URL:-http://127.0.0.1:5000}/api/ping'), 'r.yaml', { LEGACY_API_URL: 'http://127.0.0.1:6123' }).routes;
    expect(set.upstream.href).toBe('http://127.0.0.1:6123/api/ping');
    const [fallback] = parseBridgeRoutes(file('${LEGACY_API_URL:-http://127.0.0.1:5000}/api/ping'), 'r.yaml', {}).routes;
    expect(fallback.upstream.href).toBe('http://127.0.0.1:5000/api/ping');
  });

  it('refuses an unset variable without a default, naming it and the line', () => {
    expect(() => parseBridgeRoutes(file('${NOPE_URL}/x'), 'r.yaml', {})).toThrow(/r\.yaml:4: routes\[0\] \(legacy-ping\) upstream: \$\{NOPE_URL\} is not set/);
  });

  it('still checks the expanded URL (no credentials smuggled in through a variable)', () => {
    expect(() => parseBridgeRoutes(file('${U}/x'), 'r.yaml', { U: 'http://user:pw@h' })).toThrow(/must not carry credentials/);
  });
});
