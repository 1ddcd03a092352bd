/**
 * Runs once when the server starts (Next.js instrumentation). The start-up checks use Node APIs
 * (`process.exit`), so they live in `instrumentation-node.ts` and are imported only on the Node
 * runtime: Next compiles this file for the Edge runtime too, and `NEXT_RUNTIME` is a build-time
 * constant there, so the import drops out of that bundle (no "Node.js API in the Edge Runtime"
 * warning).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') await import('./instrumentation-node');
}
