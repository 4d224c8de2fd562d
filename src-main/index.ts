import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, session } from 'electron';
import { defaultConfig } from '../src-server/config.ts';
import { buildServer, type TapinServer } from '../src-server/http/app.ts';
import { registerIpcHandlers } from './ipc-handlers.ts';
import { localKiosk } from './kiosk-identity.ts';

// A thin shell: the server, its rules and the UI all live (and are tested) elsewhere. Main starts the
// embedded server on loopback, registers this machine as a kiosk on first run, answers the window over
// IPC, and keeps the window locked down.
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const kioskPage = pathToFileURL(join(rendererDir, 'kiosk.html')).href;
const isOurPage = (url: string) => url.split('#')[0] === kioskPage;

let server: TapinServer | undefined;

async function start(): Promise<void> {
  const dataDir = app.getPath('userData');
  // With TAPIN_PUBLIC_URL (say http://kiosk-7.lan:8787) phones reach this kiosk over the LAN, and get
  // only the phone's routes there; everything else answers on loopback and over IPC alone.
  const lan = process.env.TAPIN_PUBLIC_URL ? new URL(process.env.TAPIN_PUBLIC_URL) : undefined;
  server = await buildServer(
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
  const kiosk = await localKiosk(dataDir, server.services);
  const reader = server.attachDeskReader(kiosk.id, {
    process: { path: join(here, 'reader-process.js'), execArgv: [], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
  });
  registerIpcHandlers(server, kiosk, reader, isOurPage);

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
    void server?.close();
  });
}
