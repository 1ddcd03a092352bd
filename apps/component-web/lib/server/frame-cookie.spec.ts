import { NextRequest, NextResponse } from 'next/server';
import { clearFrameSession, FRAME_SESSION_COOKIE, sessionCookies } from './frame-cookie';

describe("the frame's session cookie", () => {
  it('finds a session cookie and its chunks, nothing else', () => {
    expect(sessionCookies([{ name: '__cwf', value: '' }, { name: '__cwf__0', value: '' }, { name: '__cwfx', value: '' }, { name: '__txn_x', value: '' }], '__cwf').map((c) => c.name)).toEqual(['__cwf', '__cwf__0']);
  });

  it('expires the cookie and every chunk the request carries, partitioned and under /api/session', () => {
    const request = new NextRequest('http://localhost:3001/api/session/forget', { method: 'POST', headers: { cookie: `${FRAME_SESSION_COOKIE}__0=a; ${FRAME_SESSION_COOKIE}__1=b; other=c` } });
    const response = new NextResponse(null);
    clearFrameSession(request, response);
    const cleared = response.cookies.getAll();
    expect(cleared.map((c) => c.name).sort()).toEqual(['__cwf', '__cwf__0', '__cwf__1']);
    for (const c of cleared) expect(c).toMatchObject({ value: '', maxAge: 0, partitioned: true, path: '/api/session', secure: true, sameSite: 'none' });
  });
});
