import { POPUP_MESSAGE_SOURCE } from '@auth-bus/contracts';
import { jsonForScript, popupPage } from './popup-page';

describe('popup page', () => {
  it('escapes JSON for an inline script', () => {
    const text = jsonForScript({ a: '</script><b>&\u2028' });
    expect(text).not.toContain('<');
    expect(text).not.toContain('>');
    expect(JSON.parse(text)).toEqual({ a: '</script><b>&\u2028' });
  });

  it('posts to the opener with its own origin as the exact target, then closes', () => {
    const html = popupPage({
      message: { source: POPUP_MESSAGE_SOURCE, kind: 'error', message: '<img src=x>' },
      nonce: 'n0nce',
      title: 'Login failed',
      text: '<b>no</b>',
    });
    expect(html).toContain('<script nonce="n0nce">');
    expect(html).toContain('window.opener.postMessage(m,o)');
    expect(html).toContain('var o=window.location.origin;');
    expect(html).toContain('window.close()');
    expect(html).not.toContain('<b>no</b>');
    expect(html).not.toContain('<img src=x>');
  });
});
