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
