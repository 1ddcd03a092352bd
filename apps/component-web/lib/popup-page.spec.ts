import { createHash } from 'node:crypto';
import { POPUP_MESSAGE_SOURCE } from '@auth-bus/contracts';
import { jsonForScript, POPUP_CSP, popupPage } from './popup-page';

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
});
