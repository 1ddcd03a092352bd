import { NextRequest } from 'next/server';
import { serverOnlyLoginRequest } from './login-request';

describe('the login request the SDK sees', () => {
  it('drops every browser-chosen parameter of /auth/login (scope, audience, prompt …)', () => {
    const request = new NextRequest('http://localhost:3001/auth/login?scope=openid%20read%3Aaudit%20delete%3Aall&audience=https%3A%2F%2Fother&prompt=none&returnTo=https%3A%2F%2Fevil.example');
    const clean = serverOnlyLoginRequest(request);
    expect([...clean.nextUrl.searchParams]).toEqual([['returnTo', '/auth/popup/complete']]);
    expect(clean.nextUrl.pathname).toBe('/auth/login');
  });

  it('leaves the frame’s own login URL and every other path alone', () => {
    const own = new NextRequest('http://localhost:3001/auth/login?returnTo=%2Fauth%2Fpopup%2Fcomplete');
    expect(serverOnlyLoginRequest(own)).toBe(own);
    const other = new NextRequest('http://localhost:3001/auth/callback?code=x&state=y');
    expect(serverOnlyLoginRequest(other)).toBe(other);
  });
});
