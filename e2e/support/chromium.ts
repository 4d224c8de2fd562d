import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// No test runner here: the benchmark (bench/time-to-qr.ts) launches the same browser as the e2e tests.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium is what the browser tests drive; CI installs it, a laptop may not have it. */
export const chromiumMissing = !existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
