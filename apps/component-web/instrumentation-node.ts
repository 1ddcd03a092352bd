/**
 * Start-up checks on the Node runtime (imported by `instrumentation.ts`): a configuration that
 * cannot work (lib/server/config.ts — e.g. a wildcard in STREAMLIT_ORIGINS or a development secret
 * with AUTH_BUS_ENV=production) stops component-web at start, with the variable to change, instead
 * of failing the first request. It also warns when a cookie of component-web would reach
 * Streamlit's WebSocket (lib/server/streamlit-cookie-check.ts).
 */
import { ConfigError, loadConfig } from './lib/server/config';
import { streamlitCookieCheck } from './lib/server/streamlit-cookie-check';

try {
  loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`[component-web] refusing to start: ${err.message}`);
  process.exit(1);
}
// would any of our cookies ride on Streamlit's WebSocket handshake? (issue 14)
for (const line of streamlitCookieCheck()) console.warn(line);
