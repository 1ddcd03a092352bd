import { ROUTES, SUBJECTS } from '@auth-bus/contracts';
import { resolveRoute } from './route-table';

describe('route table mapping', () => {
  it.each([
    ['/api/ping', SUBJECTS.api.ping],
    ['/api/pong', SUBJECTS.api.pong],
    ['/api/pong-scoped', SUBJECTS.api.pongScoped],
    ['/api/ping/', SUBJECTS.api.ping],
    ['/api/pong?x=1', SUBJECTS.api.pong],
  ])('GET %s → %s', (path, subject) => {
    expect(resolveRoute('GET', path).subject).toBe(subject);
    expect(resolveRoute('get', path).subject).toBe(subject);
  });

  it('marks the protected routes', () => {
    expect(ROUTES.filter((r) => r.protected).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/pong', 'GET /api/pong-scoped', 'POST /api/notes', 'GET /api/notes']);
  });

  it('maps one path to a subject per method', () => {
    expect(resolveRoute('POST', '/api/notes').subject).toBe(SUBJECTS.api.notesCreate);
    expect(resolveRoute('GET', '/api/notes').subject).toBe(SUBJECTS.api.notesList);
    expect(() => resolveRoute('PUT', '/api/notes')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => resolveRoute('DELETE', '/api/notes')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('reaches http-bridge routes of the routes file after the built-in ones, nothing else', () => {
    const bridge = [{ method: 'GET' as const, path: '/api/legacy/pong', subject: 'bridge.legacy-pong', protected: true }];
    expect(resolveRoute('get', '/api/legacy/pong/', bridge).subject).toBe('bridge.legacy-pong');
    expect(resolveRoute('GET', '/api/pong', bridge).subject).toBe(SUBJECTS.api.pong);
    expect(() => resolveRoute('POST', '/api/legacy/pong', bridge)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => resolveRoute('GET', '/api/legacy/pong')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => resolveRoute('GET', '/api/legacy', bridge)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it.each([
    ['GET', '/api/nope'],
    ['POST', '/api/ping'],
    ['GET', 'api.ping'],
    ['GET', '/api/ping/../pong'],
    ['GET', '/API/PING'],
    ['GET', '/audit.query'],
    ['GET', '/api/>'],
    ['GET', '/api/*'],
  ])('%s %s → NOT_FOUND, never a subject', (method, path) => {
    expect(() => resolveRoute(method, path)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', status: 404 }));
  });
});
