import { BusError, findRoute, type Route } from '@auth-bus/contracts';

/**
 * The only way from a browser or HTTP path to a bus subject: the contract's route table.
 * Anything not in it — another path, another method, a raw subject name — is NOT_FOUND.
 */
export function resolveRoute(method: string, path: string): Route {
  const route = findRoute(method, path);
  if (!route) throw new BusError('NOT_FOUND', `No route for ${method.toUpperCase()} ${path.split('?')[0].slice(0, 256)}`);
  return route;
}
