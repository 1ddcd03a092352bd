import { createHash } from 'node:crypto';
import { POPUP_MESSAGE_SOURCE } from '@auth-bus/contracts';
import { acceptPopupMessage } from '../shared/popup-message';
import { openHandoff } from './handoff-seal';
import { jsonForScript, loginOutcome, loginOutcomeWithHandoff, LOGOUT_OUTCOME, POPUP_CSP, popupPage } from './popup-page';

describe('popup page', () => {
  it('escapes JSON for a script element', () => {
    const text = jsonForScript({ a: '</script><b>&\u2028' });
    expect(text).not.toContain('<');
    expect(text).not.toContain('>');
    expect(JSON.parse(text)).toEqual({ a: '</script><b>&\u2028' });
  });

  it('posts to the opener with its own origin as the exact target, then closes', () => {
    const html = popupPage({
      message: { source: POPUP_MESSAGE_SOURCE, kind: 'error', message: '</script><img src=x>' },
      title: 'Login failed',
      text: '<b>no</b>',
    });
    expect(html).toContain('window.opener.postMessage(d.message,window.location.origin)');
    expect(html).toContain('window.close()');
    expect(html).not.toContain('<b>no</b>');
    expect(html).not.toContain('<img src=x>');
  });

  it('allows exactly its one inline script, by hash', () => {
    const html = popupPage({ message: { source: POPUP_MESSAGE_SOURCE, kind: 'logout' }, title: 't', text: 't' });
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]).digest('base64');
    expect(POPUP_CSP).toContain(`script-src 'sha256-${hash}'`);
    expect(POPUP_CSP).toContain("frame-ancestors 'none'");
  });

  it('says what the frame accepts: a login with its sealed hand-off, an error, a logout', () => {
    const key = 'ab'.repeat(32);
    const sdkSession = { user: { sub: 'auth0|alice', name: 'Alice' }, tokenSet: { accessToken: 'a.b.c', expiresAt: 1_900_000_000, refreshToken: 'r' } };
    const origin = 'http://localhost:3001';
    const login = loginOutcomeWithHandoff(sdkSession, null, key);
    expect(login).toMatchObject({ title: 'Logged in', text: 'Logged in as Alice.', accessToken: 'a.b.c' });
    const accepted = acceptPopupMessage({ origin, data: JSON.parse(JSON.stringify(login.message)) }, origin);
    expect(accepted?.message).toMatchObject({ source: POPUP_MESSAGE_SOURCE, kind: 'login', session: { token: { value: 'a.b.c' } } });
    expect(openHandoff(accepted!.handoff!, key)).toEqual(sdkSession);

    const failed = loginOutcomeWithHandoff(null, 'invalid_state', key);
    expect(failed.message).toEqual({ source: POPUP_MESSAGE_SOURCE, kind: 'error', message: 'The login took too long or was started elsewhere. Please try again.' });
    expect(acceptPopupMessage({ origin, data: failed.message }, origin)).toEqual({ message: failed.message, handoff: null });
    expect(loginOutcome(null).message).toMatchObject({ kind: 'error', message: 'No login session was found. Please try again.' });
    expect(acceptPopupMessage({ origin, data: LOGOUT_OUTCOME.message }, origin)?.message.kind).toBe('logout');
    // from another origin: nothing
    expect(acceptPopupMessage({ origin: 'http://evil.example', data: login.message }, origin)).toBeNull();
  });
});
