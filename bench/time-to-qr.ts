import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { launchChromium } from '../e2e/support/chromium.ts';

// Runs as plain `node bench/time-to-qr.ts` (Node strips the types): `.ts` imports, `import type` for types.

const COLD_LOADS = 5;
export const TIME_TO_QR_TARGET_MS = 300;
const KIOSK_VIEW: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, locale: 'en-GB' };
const PHONE_VIEW: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-GB' };

export interface Timings {
  values: number[];
  median: number;
}

interface DemoServer {
  url: string;
  kioskKey: string;
  logFile: string;
  /** Stops the server; its folder (database, log) is removed unless `keepLog`. */
  stop(keepLog?: boolean): Promise<void>;
}

/** `tapin serve --demo` on a fresh database, as a user starts it; its output goes to a log file. */
async function startDemoServer(): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tapin-time-to-qr-'));
  const logFile = join(dir, 'server.log');
  const log = createWriteStream(logFile);
  const bin = fileURLToPath(new URL('../bin/tapin.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', '--demo', '--port', '0', '--db', join(dir, 'tapin.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(log);
  // Until the kiosk link is out; then the output only goes to the log.
  let banner: string | undefined = '';
  const ready = new Promise<{ url: string; kioskKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server printed no kiosk link within 30 s')), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (banner === undefined) return;
      banner += chunk.toString();
      const link = /(http:\/\/\S+)\/kiosk#key=(\S+)/.exec(banner);
      if (link?.[1] && link[2]) {
        banner = undefined;
        clearTimeout(timer);
        resolve({ url: link[1], kioskKey: link[2] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} before it was ready`));
    });
  });
  const stop = async (keepLog = false) => {
    await stopProcess(child);
    await new Promise((resolve) => log.end(resolve));
    if (!keepLog) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { url, kioskKey } = await ready;
    return { url, kioskKey, logFile, stop };
  } catch (error) {
    await stop(true);
    throw new Error(`${error instanceof Error ? error.message : String(error)} (server log: ${logFile})`, { cause: error });
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * In the page, from before its first script: the time (performance.now(), from navigation start) at
 * which an element matching the selector is first in the DOM. Not blocked by the page's CSP.
 */
const watchFor = (selector: string) => `
  const observer = new MutationObserver(() => {
    if (window.__tapinShownAt === undefined && document.querySelector(${JSON.stringify(selector)})) {
      window.__tapinShownAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
`;

type PageWatch = { __tapinShownAt?: number };

/** One load of `url` in a fresh browser context (empty cache): milliseconds from navigation start to `selector`. */
async function coldLoad(browser: Browser, url: string, selector: string, view: BrowserContextOptions, cpuSlowdown = 1): Promise<number> {
  const context = await browser.newContext(view);
  try {
    await context.addInitScript({ content: watchFor(selector) });
    const page = await context.newPage();
    if (cpuSlowdown > 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown });
    await page.goto(url);
    // Functions, not strings (the page's CSP forbids evaluating strings), each self-contained (sent as source).
    await page.waitForFunction(() => (globalThis as PageWatch).__tapinShownAt !== undefined, undefined, { timeout: 15_000 }).catch((error: unknown) => {
      throw new Error(`${selector} never appeared on ${new URL(url).pathname}: ${String(error)}`);
    });
    return Number(await page.evaluate(() => (globalThis as PageWatch).__tapinShownAt));
  } finally {
    await context.close();
  }
}

/** One warm-up load (the server's and the browser's first), then the cold loads that count. */
async function measure(load: () => Promise<number>): Promise<Timings> {
  await load();
  const values: number[] = [];
  for (let i = 0; i < COLD_LOADS; i++) values.push(await load());
  const sorted = [...values].sort((a, b) => a - b);
  return { values, median: sorted[Math.floor(sorted.length / 2)] as number };
}

/** A phone page link for a new login session of the demo kiosk (what its QR code holds). */
async function phoneLink(server: DemoServer): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/login-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.kioskKey}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw new Error(`creating a login session answered ${response.status}`);
  return ((await response.json()) as { qrPayload: string }).qrPayload;
}

interface Bench {
  server: DemoServer;
  browser: Browser;
}

/** A demo server and a browser for `run`, both stopped after it; the server's log is kept if it fails. */
async function withBench<T>(run: (bench: Bench) => Promise<T>): Promise<T> {
  const server = await startDemoServer();
  let browser: Browser | undefined;
  let failed = false;
  try {
    browser = await launchChromium();
    return await run({ server, browser });
  } catch (error) {
    failed = true;
    throw new Error(`${error instanceof Error ? error.message : String(error)} (server log: ${server.logFile})`, { cause: error });
  } finally {
    await browser?.close();
    await server.stop(failed);
  }
}

const kioskTimes = ({ server, browser }: Bench) => measure(() => coldLoad(browser, `${server.url}/kiosk#key=${server.kioskKey}`, 'svg.qr-image', KIOSK_VIEW));

const phoneTimes = ({ server, browser }: Bench, cpuSlowdown = 1) =>
  measure(async () => coldLoad(browser, await phoneLink(server), '#confirm-title', PHONE_VIEW, cpuSlowdown));

/** The kiosk page's time to its QR code: navigation start to `<svg class="qr-image">`, over cold loads. */
export function measureTimeToQr(): Promise<Timings> {
  return withBench(kioskTimes);
}

/** The phone page's time to its question ("Unlock …?") for a valid token, over cold loads. */
export function measurePhoneReady(cpuSlowdown = 1): Promise<Timings> {
  return withBench((bench) => phoneTimes(bench, cpuSlowdown));
}

const ms = (value: number) => value.toFixed(1);

export function formatTimings(name: string, { values, median }: Timings, targetMs?: number): string {
  const verdict = targetMs === undefined ? '' : `  (target ≤ ${targetMs} ms: ${median <= targetMs ? 'ok' : 'MISSED'})`;
  return `${name}: ${values.map(ms).join(', ')} ms; median ${ms(median)} ms${verdict}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const lines = await withBench(async (bench) => [
      formatTimings(`time to QR, /kiosk (${COLD_LOADS} cold loads)`, await kioskTimes(bench), TIME_TO_QR_TARGET_MS),
      formatTimings(`phone page to "Unlock …?", /m (${COLD_LOADS} cold loads)`, await phoneTimes(bench)),
      formatTimings(`the same with the CPU 4× slower (a mid-range phone)`, await phoneTimes(bench, 4)),
    ]);
    for (const line of lines) console.log(line);
  } catch (error) {
    console.error(`time-to-qr: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
