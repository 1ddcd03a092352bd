export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok', service: 'component-web' }, { headers: { 'cache-control': 'no-store' } });
}
