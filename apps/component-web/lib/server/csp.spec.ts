import { buildCsp, createNonce } from './csp';

const base = {
  nonce: 'abc',
  streamlitOrigins: ['http://localhost:4010'],
  relayOrigins: ['ws://localhost:8888'],
  issuerOrigin: 'http://localhost:4400',
};

function directive(csp: string, name: string): string | undefined {
  return csp.split('; ').find((d) => d.startsWith(`${name} `));
}

describe('buildCsp', () => {
  it('lets exactly the Streamlit origins frame /streamlit', () => {
    const csp = buildCsp({ ...base, frame: true });
    expect(directive(csp, 'frame-ancestors')).toBe('frame-ancestors http://localhost:4010');
    expect(directive(csp, 'script-src')).toBe("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self' ws://localhost:8888");
  });

  it('forbids framing of every other page', () => {
    expect(directive(buildCsp({ ...base, frame: false }), 'frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directive(buildCsp({ ...base, frame: true, streamlitOrigins: [] }), 'frame-ancestors')).toBe("frame-ancestors 'none'");
  });

  it('makes fresh nonces', () => {
    expect(createNonce()).not.toBe(createNonce());
    expect(createNonce()).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
