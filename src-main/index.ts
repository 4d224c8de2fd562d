import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, safeStorage, session } from 'electron';
import { defaultConfig } from '../src-server/config.ts';
import { buildServer } from '../src-server/http/app.ts';
import { startReaderAgent } from '../src-server/reader/reader-agent.ts';
import { appModeControl } from './app-mode.ts';
import { registerIpcHandlers } from './ipc-handlers.ts';
import { joinedKiosk } from './joined-kiosk.ts';
import { kioskIpcOver, unchosenBackend, type AppModeControl, type KioskIpc } from './kiosk-backend.ts';
import { localKiosk } from './kiosk-identity.ts';
import { kioskIpcHandlers } from './kiosk-ipc.ts';

// A thin shell: the server, its rules and the UI all live (and are tested) elsewhere. Main runs in the
// mode app-mode.ts resolves — standalone (the embedded server) or joined (a site's server) — answers
// the window over IPC through the same handlers in both, and keeps the window locked down.
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const kioskPage = pathToFileURL(join(rendererDir, 'kiosk.html')).href;
const isOurPage = (url: string) => url.split('#')[0] === kioskPage;

let stopBackend: (() => Promise<void>) | undefined;

// The desk reader runs in a process of its own, Electron's binary acting as Node.
const readerProcess = { path: join(here, 'reader-process.js'), execArgv: [], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } };

/** Standalone: the embedded server on loopback, this machine registered as its own kiosk on first run. */
async function standalone(dataDir: string, appMode: AppModeControl): Promise<KioskIpc> {
  // With TAPIN_PUBLIC_URL (say http://kiosk-7.lan:8787) phones reach this kiosk over the LAN, and get
  // only the phone's routes there; everything else answers on loopback and over IPC alone.
  const lan = process.env.TAPIN_PUBLIC_URL ? new URL(process.env.TAPIN_PUBLIC_URL) : undefined;
  const server = await buildServer(
    {
      ...defaultConfig,
      dbPath: join(dataDir, 'tapin.sqlite'),
      host: lan ? '0.0.0.0' : '127.0.0.1',
      port: lan ? Number(lan.port || 80) : 0,
      ...(lan ? { publicUrl: lan.origin } : {}),
      logLevel: 'warn',
    },
    { phoneOnlyOffLoopback: lan !== undefined },
  );
  await server.listen();
  stopBackend = () => server.close();
  const kiosk = await localKiosk(dataDir, server.services);
  const reader = server.attachDeskReader(kiosk.id, { process: readerProcess });
  return kioskIpcHandlers(server, kiosk, reader, isOurPage, appMode);
}

// The app's own lines (the key store's warnings, the desk reader's news) go to stderr, as the server's do.
const log = (line: string) => console.error(line);

/** Joined: no database, no server; the site's server over HTTP and WebSocket with the kiosk key. */
function joined(dataDir: string, server: string, appMode: AppModeControl): KioskIpc {
  const kiosk = joinedKiosk({
    dataDir,
    server,
    encryptor: safeStorage,
    warn: log,
    appVersion: app.getVersion(),
    startReader: (kioskKey) => startReaderAgent({ server, kioskKey, log: { info: log, warn: log }, process: readerProcess }),
  });
  stopBackend = () => kiosk.stop();
  return kioskIpcOver(kiosk.backend, isOurPage, appMode);
}

async function start(): Promise<void> {
  const dataDir = app.getPath('userData');
  const appMode = appModeControl(dataDir, process.env, () => {
    // After this answer has reached the window: the app comes back in the chosen mode.
    setTimeout(() => {
      app.relaunch();
      app.exit(0);
    }, 200);
  });
  const mode = appMode.current();
  // Not chosen yet: nothing runs until the window's first-start question is answered.
  const kioskIpc =
    mode.mode === 'joined' ? joined(dataDir, mode.server, appMode) : mode.mode === 'standalone' ? await standalone(dataDir, appMode) : kioskIpcOver(unchosenBackend(), isOurPage, appMode);
  registerIpcHandlers(kioskIpc);

  // Nothing this window might ask for (camera, notifications, …) is granted.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    show: false,
    kiosk: process.env.TAPIN_WINDOWED !== '1',
    backgroundColor: '#0b1220',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event, url) => {
    if (!isOurPage(url)) event.preventDefault();
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  await window.loadURL(kioskPage);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  void app.whenReady().then(start);
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    void stopBackend?.();
  });
}
