import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Playwright switches off two browser defaults that matter here: the popup blocker and
 * third-party storage partitioning. Both are put back, so that the tests see what a user's
 * Chromium does (a popup needs a click; the frame's storage is partitioned by the Streamlit site).
 */
function restoreBrowserDefaults(): { ignoreDefaultArgs: string[]; args: string[] } {
  const ignoreDefaultArgs = ['--disable-popup-blocking'];
  const args: string[] = [];
  try {
    const file = join(dirname(require.resolve('playwright-core/package.json')), 'lib/server/chromium/chromiumSwitches.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromiumSwitches } = require(file) as { chromiumSwitches: (assistant: boolean) => string[] };
    const disableFeatures = chromiumSwitches(false).find((a) => a.startsWith('--disable-features='));
    if (disableFeatures) {
      ignoreDefaultArgs.push(disableFeatures);
      const kept = disableFeatures
        .slice('--disable-features='.length)
        .split(',')
        .filter((f) => f && f !== 'ThirdPartyStoragePartitioning');
      args.push(`--disable-features=${kept.join(',')}`);
    }
  } catch {
    // internal layout changed: keep Playwright's features list
  }
  return { ignoreDefaultArgs, args };
}

/** Debian's Chromium, headless, with a fresh profile (never a downloaded browser). */
export async function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'auth-bus-chromium-'));
  const defaults = restoreBrowserDefaults();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: defaults.ignoreDefaultArgs,
    args: [
      ...defaults.args,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: options.viewport ?? { width: 900, height: 600 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
