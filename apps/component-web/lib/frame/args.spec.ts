import { hostView, parseFrameArgs } from './args';

describe('parseFrameArgs', () => {
  it('reads the documented args', () => {
    const { args, problems } = parseFrameArgs({
      hostname: 'demo',
      initial_state: null,
      events: ['onStatusUpdate', 'onActionResult', 'onError'],
      relay_url: 'ws://localhost:8888/ws',
      session_id: 'abc-123',
      height: 60,
      actions: [{ id: 'pong', label: 'Pong', path: '/api/pong', useauth: true }],
      action_request: { id: 'req-1', method: 'GET', path: '/api/ping' },
    });
    expect(problems).toEqual([]);
    expect(args).toMatchObject({
      hostname: 'demo',
      events: ['onStatusUpdate', 'onActionResult', 'onError'],
      relay_url: 'ws://localhost:8888/ws',
      session_id: 'abc-123',
      height: 60,
    });
    expect(args.actions[0]).toEqual({ id: 'pong', label: 'Pong', method: 'GET', path: '/api/pong', useauth: true });
    expect(args.action_request).toEqual({ id: 'req-1', method: 'GET', path: '/api/ping', useauth: false });
  });

  it('drops unknown event names and defaults to none allowed', () => {
    expect(parseFrameArgs({ events: ['onStatusUpdate', 'onSomethingElse'] }).args.events).toEqual(['onStatusUpdate']);
    expect(parseFrameArgs({}).args.events).toEqual([]);
  });

  it('keeps the valid fields when one is malformed', () => {
    const { args, problems } = parseFrameArgs({ relay_url: 'http://not-a-socket', session_id: 'ok', height: 'tall' });
    expect(args.relay_url).toBeNull();
    expect(args.session_id).toBe('ok');
    expect(args.height).toBeNull();
    expect(problems).toHaveLength(2);
  });

  it('refuses an action outside a path or with an unknown method', () => {
    expect(parseFrameArgs({ action_request: { id: 'x', path: 'http://evil/', method: 'GET' } }).args.action_request).toBeNull();
    expect(parseFrameArgs({ action_request: { id: 'x', path: '/a', method: 'TRACE' } }).args.action_request).toBeNull();
    expect(parseFrameArgs({ action_request: { id: 'x', path: '/a', method: 'GET', body: { a: 1 } } }).args.action_request).toBeNull();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('accepts a %s action with a JSON body', (method) => {
    const { args, problems } = parseFrameArgs({ action_request: { id: 'n', method, path: '/api/notes', body: { text: 'x' } } });
    expect(problems).toEqual([]);
    expect(args.action_request).toMatchObject({ method, body: { text: 'x' } });
  });
});

describe('hostView', () => {
  it('reads what the host believes', () => {
    expect(hostView(null)).toEqual({ loggedIn: false });
    expect(hostView({ user: null, token: null })).toEqual({ loggedIn: false, tokenValue: undefined });
    expect(hostView({ user: { name: 'A' }, token: { value: 't' } })).toEqual({ loggedIn: true, tokenValue: 't' });
  });
});
