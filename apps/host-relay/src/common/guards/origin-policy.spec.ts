import { OriginPolicy } from './origin-policy';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(['http://localhost:3001', 'https://app.example.com']);

  it('accepts listed origins, also when spelled with capitals or a default port', () => {
    expect(policy.isAllowed('http://localhost:3001')).toBe(true);
    expect(policy.isAllowed('HTTP://LOCALHOST:3001')).toBe(true);
    expect(policy.isAllowed('https://app.example.com:443')).toBe(true);
  });

  it('refuses everything else', () => {
    for (const origin of [
      undefined,
      '',
      'null',
      'http://localhost:3002',
      'https://localhost:3001',
      'http://app.example.com',
      'https://app.example.com.evil.test',
      'https://evil.test/?https://app.example.com',
      'not a url',
    ]) {
      expect(policy.isAllowed(origin)).toBe(false);
    }
  });
});

describe('OriginPolicy with local origins allowed (development)', () => {
  const policy = new OriginPolicy(['https://app.example.com'], { allowLoopback: true });

  it('accepts any local http app on any port, plus the list', () => {
    for (const origin of ['http://localhost:8501', 'http://127.0.0.1:8501', 'http://[::1]:8501', 'http://LOCALHOST:9999', 'http://localhost', 'https://app.example.com']) {
      expect({ origin, allowed: policy.isAllowed(origin) }).toEqual({ origin, allowed: true });
    }
  });

  it('still refuses other hosts, other schemes and look-alikes', () => {
    for (const origin of [
      'https://localhost:8501',
      'http://localhost.evil.test:8501',
      'http://evil.test',
      'http://127.0.0.2:8501',
      'http://192.168.1.5:8501',
      'http://0.0.0.0:8501',
      'ws://localhost:8501',
      'null',
      undefined,
    ]) {
      expect({ origin, allowed: policy.isAllowed(origin) }).toEqual({ origin, allowed: false });
    }
  });

  it('is off unless asked for (production)', () => {
    expect(new OriginPolicy(['https://app.example.com']).isAllowed('http://localhost:8501')).toBe(false);
  });
});
