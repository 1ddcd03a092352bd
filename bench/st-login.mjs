// Streamlit's native st.login against the same dev-idp, in Chromium (not a test): what a user
// waits for with the peer most would pick instead. Measures, per round in a fresh browser,
// provider submit → the user's name on the page, and reload → the name on the page.
//
// Used by `npm run bench` (scenario 7); alone: node bench/st-login.mjs [--rounds 3]
// It starts dev-idp (with a client registered for this app through DEV_IDP_CLIENTS_FILE) and
// Streamlit on free ports, and stops both at the end.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { DevIdpHarness, ManagedProcess, freePort, waitFor, launchChromium } = require(path.join(ROOT, 'libs/testing/dist/index.js'));
const PYTHON = path.join(ROOT, '.venv/bin/python');
const ALICE = { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' };

export async function measureStLogin({ rounds = 3 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auth-bus-st-login-'));
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const clientId = 'st-login-bench';
  const clientSecret = randomBytes(24).toString('base64url');
  writeFileSync(path.join(dir, 'clients.json'), JSON.stringify([{ clientId, clientSecret, name: 'st.login bench app', firstParty: true, grantTypes: ['authorization_code'], redirectUris: [`${appUrl}/oauth2callback`] }]));
  let idp, streamlit, browser;
  try {
    idp = await DevIdpHarness.start({ env: { DEV_IDP_CLIENTS_FILE: path.join(dir, 'clients.json') } });
    mkdirSync(path.join(dir, '.streamlit'));
    writeFileSync(
      path.join(dir, '.streamlit/secrets.toml'),
      [
        '[auth]',
        `redirect_uri = "${appUrl}/oauth2callback"`,
        `cookie_secret = "${randomBytes(32).toString('base64url')}"`,
        `client_id = "${clientId}"`,
        `client_secret = "${clientSecret}"`,
        `server_metadata_url = "${idp.issuer}.well-known/openid-configuration"`,
        'expose_tokens = ["access"]',
        // Streamlit asks for prompt=select_account by default, which is not an OIDC prompt value.
        'client_kwargs = { prompt = "login" }',
        '',
      ].join('\n'),
    );
    streamlit = ManagedProcess.start('st-login-app', PYTHON, ['-m', 'streamlit', 'run', path.join(ROOT, 'bench/st-login/app.py'), '--server.port', String(port), '--server.address', 'localhost', '--server.headless', 'true', '--browser.gatherUsageStats', 'false'], {}, dir);
    await waitFor(async () => (await fetch(`${appUrl}/_stcore/health`)).ok, { what: 'Streamlit (st.login app)', timeout: 60_000 });
    const results = [];
    for (let round = 0; round < rounds; round++) {
      browser = await launchChromium();
      const page = await browser.context.newPage();
      await page.goto(appUrl);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('input[name="username"]').fill(ALICE.email);
      await page.locator('input[name="password"]').fill(ALICE.password);
      const named = page.getByText(`Signed in as ${ALICE.name}`);
      const submitted = performance.now();
      await page.getByRole('button', { name: 'Log in' }).click();
      await named.waitFor({ timeout: 30_000 });
      const loginMs = performance.now() - submitted;
      const exposed = await page.getByText('(access token exposed)').count();
      const reloaded = performance.now();
      await page.reload();
      await page.getByText(`Signed in as ${ALICE.name}`).waitFor({ timeout: 30_000 });
      const reloadMs = performance.now() - reloaded;
      results.push({ login_ms: Math.round(loginMs), reload_ms: Math.round(reloadMs), access_token_exposed: exposed > 0 });
      await browser.close();
      browser = undefined;
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { rounds: results, login_ms: median(results.map((r) => r.login_ms)), reload_ms: median(results.map((r) => r.reload_ms)) };
  } catch (err) {
    throw new Error(`${err.message}\n--- streamlit ---\n${streamlit?.tail(15) ?? ''}`);
  } finally {
    await browser?.close();
    await streamlit?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
  measureStLogin({ rounds }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
