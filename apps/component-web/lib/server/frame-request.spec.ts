import { isFrameRequest } from './frame-request';

describe('frame requests', () => {
  it('serves only same-origin calls with the frame header', () => {
    const req = (headers: Record<string, string>) => new Request('http://localhost:3001/api/session/refresh', { method: 'POST', headers });
    expect(isFrameRequest(req({ 'x-auth-bus-frame': '1', origin: 'http://localhost:3001', 'sec-fetch-site': 'same-origin' }), 'http://localhost:3001')).toBe(true);
    expect(isFrameRequest(req({ origin: 'http://localhost:3001' }), 'http://localhost:3001')).toBe(false);
    expect(isFrameRequest(req({ 'x-auth-bus-frame': '1', origin: 'http://evil.example' }), 'http://localhost:3001')).toBe(false);
    expect(isFrameRequest(req({ 'x-auth-bus-frame': '1', 'sec-fetch-site': 'cross-site' }), 'http://localhost:3001')).toBe(false);
    // a browser without Fetch Metadata still sends Origin on a POST
    expect(isFrameRequest(req({ 'x-auth-bus-frame': '1', origin: 'http://localhost:3001' }), 'http://localhost:3001')).toBe(true);
    // no browser signal at all (a plain HTTP client), or a same-site but not same-origin page
    expect(isFrameRequest(req({ 'x-auth-bus-frame': '1' }), 'http://localhost:3001')).toBe(false);
    expect(isFrameRequest(req({ 'x-auth-bus-frame': '1', 'sec-fetch-site': 'same-site', origin: 'http://localhost:3001' }), 'http://localhost:3001')).toBe(false);
  });
});
