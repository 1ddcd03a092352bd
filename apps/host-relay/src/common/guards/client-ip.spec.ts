import type { IncomingMessage } from 'node:http';
import { clientIp } from './client-ip';

const req = (xff?: string) => ({ socket: { remoteAddress: '10.0.0.1' }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('uses the socket address unless proxies are trusted', () => {
    expect(clientIp(req('1.2.3.4'), false)).toBe('10.0.0.1');
  });
  it('takes the left-most forwarded address when every proxy is trusted', () => {
    expect(clientIp(req('1.2.3.4, 5.6.7.8'), true)).toBe('1.2.3.4');
  });
  it('goes back as many hops as trusted', () => {
    expect(clientIp(req('6.6.6.6, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientIp(req('6.6.6.6, 1.2.3.4'), 2)).toBe('6.6.6.6');
    expect(clientIp(req(), 1)).toBe('10.0.0.1');
  });
});
