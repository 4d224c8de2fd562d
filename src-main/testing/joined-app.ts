import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ipcKioskBridge } from '../../src-renderer/src/bridge/ipc-kiosk-bridge.ts';
import type { DeskReader } from '../../src-server/reader/desk-reader.ts';
import { startTestServer, type TestServer } from '../../src-server/testing/test-server.ts';
import { joinedKiosk, type JoinedKioskOptions } from '../joined-kiosk.ts';
import { kioskIpcOver, type AppModeControl, type IpcCaller, type KioskIpc } from '../kiosk-backend.ts';
import type { KeyEncryptor } from '../kiosk-key-store.ts';
import { kioskApiOverIpc } from '../preload-api.ts';

// As in kiosk-ipc.test.ts, only Electron's IPC transport is stood in for: renderer bridge → preload API →
// main handlers (joined mode) → HTTP and WebSocket → a real TapIn server and database.
export const KIOSK_PAGE = 'file:///app/out/renderer/kiosk.html';

// Electron's safeStorage does not exist outside Electron: this stand-in has its shape, and its
// "ciphertext" (tagged, reversed) would never show the key as it is.
const TAG = 'fake-safe-storage:';
export const fakeSafeStorage = (available = true): KeyEncryptor => ({
  isEncryptionAvailable: () => available,
  encryptString: (plain) => Buffer.from(TAG + [...plain].reverse().join('')),
  decryptString(encrypted) {
    const text = encrypted.toString();
    if (!text.startsWith(TAG)) throw new Error('not encrypted by this keychain');
    return [...text.slice(TAG.length)].reverse().join('');
  },
});

/** A desk reader that is never there: for the tests that only follow when the app runs one, and with which key. */
const absentReader = (): DeskReader => ({
  state: 'no-reader',
  capturing: false,
  captureNextTap: () => Promise.reject(new Error('no reader in this test')),
  events: new EventEmitter(),
  stop: () => Promise.resolve(),
});

/**
 * Joined kiosk apps against real servers, each cleaned up after its test: `joinedApp` is the app's
 * main side as its window sees it, with everything it ever hands the window (answers and events).
 */
export function useJoinedApps() {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function server(overrides = {}, dir?: string): Promise<TestServer> {
    const t = await startTestServer(overrides, dir ? { dir } : {});
    cleanups.push(() => t.close());
    return t;
  }

  function dataFolder(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tapin-kiosk-app-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** The app; with `startReader`, its desk reader is that one (else a record of when one would run). */
  function joinedApp(dataDir: string, serverUrl: string, options: { encryptor?: KeyEncryptor; appMode?: AppModeControl; startReader?: JoinedKioskOptions['startReader'] } = {}) {
    const warnings: string[] = [];
    const readers: { key: string; stopped: boolean }[] = [];
    const kiosk = joinedKiosk({
      dataDir,
      server: serverUrl,
      encryptor: options.encryptor ?? fakeSafeStorage(),
      warn: (line) => warnings.push(line),
      pollMs: 200,
      startReader:
        options.startReader ??
        ((key) => {
          const reader = { key, stopped: false };
          readers.push(reader);
          return {
            reader: absentReader(),
            stop: async () => {
              reader.stopped = true;
            },
          };
        }),
    });
    cleanups.push(() => kiosk.stop());
    const main: KioskIpc = kioskIpcOver(kiosk.backend, (url) => url === KIOSK_PAGE, options.appMode);
    const toWindow: unknown[] = [];
    let deliver: (message: { subscription: number; event: unknown }) => void = () => undefined;
    const caller: IpcCaller = {
      windowId: 1,
      frameUrl: KIOSK_PAGE,
      post: (message) => {
        toWindow.push(message);
        deliver(message);
      },
    };
    const api = kioskApiOverIpc({
      invoke: async (channel, ...args) => {
        const handler = main.handlers[channel];
        if (!handler) throw new Error(`no handler for ${channel}`);
        const answer = await handler(caller, ...args);
        toWindow.push(answer);
        return answer as never;
      },
      onEvent: (listener) => {
        deliver = listener;
      },
    });
    cleanups.push(() => main.forgetWindow(1));
    return { main, api, bridge: ipcKioskBridge(api), toWindow, warnings, readers };
  }

  return { cleanups, server, dataFolder, joinedApp };
}

/** Events as they come, and a wait for the first one (from `from` on) that matches. */
export function recorder<T>() {
  const events: T[] = [];
  const until = async (match: (event: T) => boolean, from = 0, timeoutMs = 8_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!events.slice(from).some(match)) {
      if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { events, until, push: (event: T) => events.push(event) };
}
