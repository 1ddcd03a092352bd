import { BusError, findRoute, type Route } from '@auth-bus/contracts';

/**
 * The only way from a browser or HTTP path to a bus subject: the contract's route table.
 * Anything not in it — another path, another method, a raw subject name — is NOT_FOUND.
 */
export function resolveRoute(method: string, path: string, bridgeRoutes: readonly Route[] = []): Route {
  const route = findRoute(method, path) ?? findBridgeRoute(method, path, bridgeRoutes);
  if (!route) throw new BusError('NOT_FOUND', `No route for ${method.toUpperCase()} ${path.split('?')[0].slice(0, 256)}`);
  return route;
}

/** A route of http-bridge's file (exact path and method, like the contract's table). */
function findBridgeRoute(method: string, path: string, routes: readonly Route[]): Route | undefined {
  if (routes.length === 0) return undefined;
  const clean = path.split('?')[0].replace(/\/+$/, '') || '/';
  const upper = method.toUpperCase();
  return routes.find((route) => route.path === clean && route.method === upper);
}
