import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const haproxy = require('../index.cjs');

const LOCAL = {
  frontends: [
    { name: 'streamlit-app', port: 4010, check: '/_stcore/health', servers: [{ name: 'streamlit-app-1', port: 41001 }, { name: 'streamlit-app-2', port: 41002 }] },
    { name: 'host-relay', port: 8888, check: '/healthz', servers: [{ name: 'host-relay-1', port: 41003 }] },
  ],
  stats: { port: 8404 },
};

/** `haproxy -c`: the real binary's own verdict on a configuration. */
function haproxyAccepts(config: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-config-'));
  try {
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    const r = spawnSync(haproxy.ensureHaproxy(), ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('haproxyConfig', () => {
  it('puts each frontend on its public port, round robin over its servers with a health check', () => {
    const config: string = haproxy.haproxyConfig(LOCAL);
    expect(config).toContain('frontend streamlit-app\n  bind 127.0.0.1:4010\n  default_backend streamlit-app');
    expect(config).toMatch(/backend streamlit-app\n {2}balance roundrobin\n {2}option httpchk GET \/_stcore\/health\n/);
    expect(config).toContain('server streamlit-app-1 127.0.0.1:41001 check');
    expect(config).toContain('server streamlit-app-2 127.0.0.1:41002 check');
    expect(config).toContain('server host-relay-1 127.0.0.1:41003 check');
    expect(config).toContain('stats uri /stats');
    expect(config).toContain('bind 127.0.0.1:8404');
  });

  it('has no stickiness of any kind, and keeps upgraded connections (WebSockets) open as tunnels', () => {
    const config: string = haproxy.haproxyConfig(LOCAL);
    for (const sticky of [/\bcookie\b/, /stick/, /balance source/, /\bhash-type\b/, /prefer-last-server/, /balance uri/, /balance hdr/]) {
      expect(config).not.toMatch(sticky);
    }
    expect(config.match(/balance roundrobin/g)).toHaveLength(2);
    expect(config).toMatch(/timeout tunnel 1h/);
    expect(config).toMatch(/option redispatch/);
  });

  it('is a configuration the real haproxy accepts (local servers, and DNS discovery for docker-compose)', () => {
    expect(haproxyAccepts(haproxy.haproxyConfig(LOCAL))).toEqual({ status: 0, output: expect.any(String) });
    const compose = haproxy.haproxyConfig({
      bind: '*',
      frontends: [{ name: 'host-relay', port: 8888, check: '/healthz', discover: { service: 'host-relay', port: 8888, max: 10 } }],
      stats: { port: 8404 },
    });
    expect(compose).toContain('server-template host-relay- 1-10 host-relay:8888 check resolvers docker init-addr none');
    expect(haproxyAccepts(compose).status).toBe(0);
  });

  it('refuses bad input with a typed error naming what is wrong', () => {
    const bad = [
      { frontends: [] , stats: { port: 8404 } },
      { frontends: [{ ...LOCAL.frontends[0], port: 70000 }], stats: { port: 8404 } },
      { frontends: [{ ...LOCAL.frontends[0], name: 'a b' }], stats: { port: 8404 } },
      { frontends: [{ ...LOCAL.frontends[0], check: 'health' }], stats: { port: 8404 } },
      { frontends: [{ ...LOCAL.frontends[0], servers: [] }], stats: { port: 8404 } },
      { frontends: LOCAL.frontends, stats: { port: 0 } },
      { frontends: [{ name: 'x', port: 1, check: '/', discover: { service: 'x' } }], stats: { port: 8404 } },
    ];
    for (const input of bad) {
      expect(() => haproxy.haproxyConfig(input)).toThrow(haproxy.HaproxyConfigError);
      try {
        haproxy.haproxyConfig(input);
      } catch (err) {
        expect((err as { code: string }).code).toBe('HAPROXY_CONFIG_INVALID');
      }
    }
  });
});

describe('parseStatsCsv', () => {
  it('reads HAProxy stats CSV rows by their header names', () => {
    const csv = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,\n' +
      'host-relay,FRONTEND,,,0,1,4096,12,0,0,0,0,0,,,,,OPEN,\n' +
      'host-relay,host-relay-1,0,0,0,1,,7,0,0,,0,,0,0,0,0,UP,\n' +
      'host-relay,host-relay-2,0,0,0,1,,5,0,0,,0,,0,0,0,0,DOWN,\n';
    const rows = haproxy.parseStatsCsv(csv);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toEqual(expect.objectContaining({ pxname: 'host-relay', svname: 'host-relay-1', stot: '7', status: 'UP' }));
    expect(rows[2].status).toBe('DOWN');
    expect(() => haproxy.parseStatsCsv('<html>not stats</html>')).toThrow(haproxy.HaproxyConfigError);
  });
});
