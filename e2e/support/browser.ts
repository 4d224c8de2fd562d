import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import { CHROMIUM, chromiumMissing, launchChromium } from './chromium.ts';

export { CHROMIUM, chromiumMissing, launchChromium };
export const OUTPUT_DIR = fileURLToPath(new URL('../output', import.meta.url));

if (chromiumMissing && process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Launches Chromium once for the calling test file (when it is installed) and closes it after. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!chromiumMissing) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running');
    return browser;
  };
}

export function kioskContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
}

export interface TestBadge {
  uid: string;
  secret?: string;
}

/**
 * A phone. Desktop Chromium has no Web NFC, so a stand-in NDEFReader is installed before the page
 * loads: scan() resolves, then a "reading" event delivers the badge the test put in
 * `window.__tapinBadge` (the NDEF secret record in the same encoding real tags use).
 */
export async function phoneContext(browser: Browser, badge: TestBadge | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-GB' });
  if (badge) {
    await context.addInitScript((b: TestBadge) => {
      class FakeNDEFReader extends EventTarget {
        async scan() {
          setTimeout(() => {
            const records = b.secret ? [{ recordType: 'tapin.dev:secret', data: new DataView(new TextEncoder().encode(b.secret).buffer) }] : [];
            const event = Object.assign(new Event('reading'), { serialNumber: b.uid, message: { records } });
            this.dispatchEvent(event);
          }, 50);
        }
      }
      Object.defineProperty(globalThis, 'NDEFReader', { value: FakeNDEFReader });
    }, badge);
  }
  return context;
}

/** Reads the QR code on screen the way a phone camera would: from pixels, not from the DOM. */
export async function readQrFromScreen(page: Page): Promise<string> {
  const shot = await page.locator('.qr-box').screenshot();
  const png = PNG.sync.read(shot);
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!code) throw new Error('no QR code could be read from the screen');
  return code.data;
}

/** Collects what the page reports as errors (CSP violations included) from now on. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/**
 * A screen of its own (its own context and storage) for the running test, closed after it; the test
 * fails if the page reported a CSP violation or an uncaught error meanwhile.
 */
export async function testScreen(browser: Browser, options: { width?: number; height?: number; locale?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, locale: options.locale ?? 'en-GB' });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const errors = pageErrors(page);
  onTestFinished(() => expect(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/i.test(e))).toEqual([]));
  return page;
}

export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return `${OUTPUT_DIR}/${name}.png`;
}
