import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { IpcCaller, KioskIpc } from '../../src-main/kiosk-backend.ts';

const BUILT_PRELOAD = fileURLToPath(new URL('../../out/preload/index.cjs', import.meta.url));

/**
 * The kiosk app's window, without Electron (whose binary cannot be had here): the built renderer in
 * Chromium, the app's own built preload (out/preload/index.cjs) run in the page, and its IPC answered
 * by main's handlers (kiosk-backend.ts) in this process. Only Electron's two modules are stood in:
 * `contextBridge` puts the API on `window`, `ipcRenderer` crosses to Node through a Playwright binding
 * (arguments and answers as JSON, as Electron's structured clone would carry them).
 *
 * `main()` is read at every call, so a test can swap in the main side of the app's next start.
 */
export async function openAppWindow(page: Page, url: string, main: () => KioskIpc): Promise<void> {
  const windowId = 1;
  const caller: IpcCaller = {
    windowId,
    frameUrl: url,
    post: (message) => void page.evaluate((m) => (globalThis as unknown as { __tapinEvent?: (m: unknown) => void }).__tapinEvent?.(m), message).catch(() => undefined),
  };
  await page.exposeFunction('__tapinInvoke', async (channel: string, args: unknown[]) => {
    const handler = main().handlers[channel];
    if (!handler) throw new Error(`no IPC handler for ${channel}`);
    return handler({ ...caller, frameUrl: page.url() }, ...args);
  });
  const preload = readFileSync(BUILT_PRELOAD, 'utf8');
  await page.addInitScript(`((require) => {
    ${preload}
  })((() => {
    const electron = {
      contextBridge: { exposeInMainWorld: (name, api) => Object.defineProperty(window, name, { value: api }) },
      ipcRenderer: {
        invoke: (channel, ...args) => window.__tapinInvoke(channel, args),
        on: (_channel, listener) => { window.__tapinEvent = (message) => listener({}, message); },
      },
    };
    return (name) => { if (name === 'electron') return electron; throw new Error('the preload requires ' + name); };
  })());`);
  page.on('close', () => main().forgetWindow(windowId));
  await page.goto(url);
}
