import { SUBJECTS } from './subjects';

/**
 * The route table: the only HTTP paths a browser or HTTP client can reach, and the bus subject
 * each maps to. host-relay's HTTP gateway and its WebSocket both use this table, so nothing
 * outside it is reachable from outside the bus.
 */
/** HTTP methods a route may have; POST, PUT, PATCH and DELETE carry a JSON object body. */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];
export const BODY_METHODS: readonly RouteMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

export interface Route {
  method: RouteMethod;
  path: string;
  subject: string;
  /** Whether the route needs a bearer token (the service checks it; the relay only forwards). */
  protected: boolean;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/api/ping', subject: SUBJECTS.api.ping, protected: false },
  { method: 'GET', path: '/api/pong', subject: SUBJECTS.api.pong, protected: true },
  { method: 'GET', path: '/api/pong-scoped', subject: SUBJECTS.api.pongScoped, protected: true },
  { method: 'POST', path: '/api/notes', subject: SUBJECTS.api.notesCreate, protected: true },
  { method: 'GET', path: '/api/notes', subject: SUBJECTS.api.notesList, protected: true },
];

/** Whether requests of this method carry a JSON body to forward (POST, PUT, PATCH, DELETE). */
export function methodHasBody(method: string): boolean {
  return (BODY_METHODS as readonly string[]).includes(method.toUpperCase());
}

export function findRoute(method: string, path: string): Route | undefined {
  const clean = path.split('?')[0].replace(/\/+$/, '') || '/';
  return ROUTES.find((route) => route.path === clean && route.method === method.toUpperCase());
}

/** Permissions the API knows about (Auth0 RBAC permission names). */
export const PERMISSIONS = {
  readMessages: 'read:messages',
  readAudit: 'read:audit',
} as const;
