// Login-to-unlocked in a real Chromium, with where the time goes (not a test). Scenario 5 of
// `npm run bench`; alone: node bench/login.mjs [--rounds 5] (BENCH_LOGIN_TRACE=1 prints the
// reload's marks on stderr). Free ports only: no std-ports lock needed.
//
// The whole stack (tools/stack, free ports: nats, dev-idp, auth-service, api-service, host-relay,
// component-web, Streamlit) and, per round, a fresh browser: the user submits dev-idp's login
// form in the popup; the figure is submit → "Alice Example" on the Streamlit page; then the page
// is reloaded: reload → the name again (the frame restores the session, Streamlit verifies it).
//
// Every time stamp is taken in the browser (performance.timeOrigin + performance.now(), the same
// wall clock in every window): the start of the popup form's POST and of its request for
// /auth/callback (Playwright's request timing, the browser's own clock), the frame receiving the
// popup's message, the Streamlit page receiving setComponentValue, its WebSocket sending the
// rerun and receiving the element with the name, and a MutationObserver seeing the name in the
// DOM. Playwright's own waiting (it polls every 100 ms after a while) is never part of a figure.
// auth.verify is measured apart, from the same Streamlit host's NATS user with fresh tokens of
// the same login flow (the first verification of each, as at login).
/* global window, document, MutationObserver -- evaluated in the browser (page scripts) */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { StackRun, launchChromium, authorizationCodeLogin } = require(path.join(ROOT, 'libs/testing/dist/index.js'));
const PYTHON = path.join(ROOT, '.venv/bin/python');
const ALICE = { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' };
const PARTS = ['nats', 'dev-idp', 'auth-service', 'api-service', 'host-relay', 'component-web', 'streamlit-app'];

/**
 * Runs in every window and frame before its own scripts: records marks in `window.__benchMarks`.
 * The Streamlit page also watches its WebSocket (send: the rerun; receive: the name's element)
 * and the DOM (the name shown). Every document marks when it starts (`load:<path>`).
 */
const MARKS = (name) => {
  const marks = (window.__benchMarks = []);
  const mark = (what) => marks.push([what, performance.timeOrigin + performance.now()]);
  const onStreamlitPage = document.location.pathname.indexOf('/streamlit') === -1 && !document.location.pathname.startsWith('/auth/') && !document.location.pathname.startsWith('/interaction/');
  mark(`load:${document.location.pathname}`);
  window.addEventListener('message', (event) => {
    const data = event.data;
    if (data && data.kind === 'login') mark('frame:popup-message');
    if (data && data.type === 'streamlit:setComponentValue') mark('host:set-component-value');
  }, true);
  if (!onStreamlitPage) return;
  const Native = window.WebSocket;
  const decoder = new TextDecoder('latin1');
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data instanceof ArrayBuffer && decoder.decode(event.data).includes(name)) mark('ws:name-received');
      });
    }
    send(data) {
      mark('ws:sent');
      super.send(data);
    }
  };
  const seen = () => {
    if (document.body?.innerText.includes(name) && !marks.some(([what]) => what === 'dom:name')) mark('dom:name');
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, characterData: true });
};

const first = (marks, what, after = -Infinity) => marks.find(([w, t]) => w === what && t >= after)?.[1];
const r1 = (x) => (x === undefined ? undefined : Math.round(x));
const median = (xs) => {
  const sorted = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
};

async function marksOf(page) {
  const all = [];
  for (const frame of page.frames()) all.push(...(await frame.evaluate(() => window.__benchMarks ?? []).catch(() => [])));
  return all.sort((a, b) => a[1] - b[1]);
}

async function waitForMark(page, what, after) {
  for (let i = 0; i < 600; i++) {
    const at = first(await page.evaluate(() => window.__benchMarks ?? []), what, after);
    if (at !== undefined) return at;
    await page.waitForTimeout(25);
  }
  throw new Error(`no "${what}" mark on the Streamlit page within 15 s`);
}

async function oneRound(appUrl) {
  const browser = await launchChromium();
  try {
    await browser.context.addInitScript(MARKS, ALICE.name);
    const page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(appUrl);
    const loginButton = page.frameLocator('iframe[src*="/streamlit"]').getByRole('button', { name: 'Log in' });
    await loginButton.waitFor({ timeout: 60_000 });
    for (let i = 0; i < 200 && !(await loginButton.isEnabled()); i++) await page.waitForTimeout(50);
    const popupOpened = browser.context.waitForEvent('page');
    await loginButton.click();
    const popup = await popupOpened;
    let callback;
    let loginPost;
    popup.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname === '/auth/callback') callback = request;
      if (request.method() === 'POST' && pathname.endsWith('/login')) loginPost = request;
    });
    await popup.locator('input[name="username"]').fill(ALICE.email);
    await popup.locator('input[name="password"]').fill(ALICE.password);
    const popupClosed = popup.waitForEvent('close', { timeout: 30_000 });
    await page.evaluate(() => (window.__benchMarks.length = 0));
    await popup.getByRole('button', { name: 'Log in' }).click();
    await popupClosed;
    // the browser's own time stamp of the form's POST (the popup's page, and its marks, are gone)
    if (!loginPost || !callback) throw new Error('the popup sent no login form POST or no /auth/callback request');
    const submitted = loginPost.timing().startTime;
    const named = await waitForMark(page, 'dom:name', submitted);
    const marks = await marksOf(page);
    const callbackAt = callback.timing().startTime;
    const handoff = first(marks, 'frame:popup-message', submitted);
    const hostValue = first(marks, 'host:set-component-value', submitted);
    const rerunSent = first(marks, 'ws:sent', hostValue);
    const nameReceived = first(marks, 'ws:name-received', rerunSent);
    const login = {
      submit_to_name_ms: r1(named - submitted),
      provider_ms: r1(callbackAt - submitted), // dev-idp: password check, redirects to /auth/callback
      callback_ms: r1(handoff - callbackAt), // component-web: code exchange, hand-off page; popup → frame message
      frame_to_streamlit_ms: r1(rerunSent - handoff), // frame → setComponentValue → Streamlit page → rerun request
      streamlit_rerun_ms: r1(nameReceived - rerunSent), // the script rerun, auth.verify included, until the name's element arrives
      render_ms: r1(named - nameReceived), // Streamlit's frontend puts it on the page
    };

    // Reload: a new Streamlit session; the frame restores the session and Streamlit verifies it.
    const reloadAt = Date.now();
    await page.reload();
    const renamed = await waitForMark(page, 'dom:name', reloadAt);
    const after = await marksOf(page);
    if (process.env.BENCH_LOGIN_TRACE) console.error(after.map(([w, t]) => `${Math.round(t - reloadAt)} ${w}`).join('\n'));
    const navigation = await page.evaluate(() => performance.timeOrigin);
    const reload = {
      reload_to_name_ms: r1(renamed - reloadAt),
      page_ms: r1(navigation - reloadAt),
      to_component_value_ms: r1(first(after, 'host:set-component-value', reloadAt) - reloadAt),
    };
    return { ...login, ...reload };
  } finally {
    await browser.close();
  }
}

/** auth.verify as the Streamlit host sees it: fresh tokens (each verified for the first time). */
function measureVerify(run, count = 7) {
  return Promise.all(
    Array.from({ length: count }, () => authorizationCodeLogin({ issuer: run.description.env.DEV_IDP_ISSUER, audience: run.description.env.AUTH_AUDIENCE, email: ALICE.email, password: ALICE.password, redirectUri: run.description.env.DEV_IDP_COMPONENT_WEB_REDIRECT_URIS.split(',')[0] })),
  ).then((logins) => {
    const py = spawnSync(PYTHON, [path.join(ROOT, 'bench/python_clients.py'), 'verify', '--nats-url', run.description.env.NATS_URL, '--nats-password', run.description.env.NATS_STREAMLIT_HOST_PASSWORD], {
      cwd: ROOT,
      encoding: 'utf8',
      input: JSON.stringify(logins.map((l) => l.tokens.access_token)),
    });
    if (py.status !== 0) throw new Error(`auth.verify measurement failed: ${py.stderr}`);
    return JSON.parse(py.stdout.trim().split('\n').pop());
  });
}

export async function measureLogin({ rounds = 5 } = {}) {
  const run = await StackRun.up({ parts: PARTS, timeout: 240_000 });
  try {
    const appUrl = run.description.parts['streamlit-app'].where;
    await oneRound(appUrl); // warm-up: the first page load compiles and caches on every server
    const results = [];
    for (let round = 0; round < rounds; round++) results.push(await oneRound(appUrl));
    const keys = Object.keys(results[0]);
    const medians = Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r[k]))]));
    return { rounds: results, ...medians, auth_verify: await measureVerify(run) };
  } finally {
    await run.down();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;
  require(path.join(ROOT, 'tools/dev/system.cjs')).buildAll();
  measureLogin({ rounds }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
