import type { ReaderAgent } from '../src-server/reader/reader-agent.ts';
import { kioskReaderEnrollment } from './joined-enrollment.ts';
import type { KioskBackend } from './kiosk-backend.ts';
import { kioskKeyStore, type KeyEncryptor } from './kiosk-key-store.ts';
import { siteBackend } from './site-client.ts';

export interface JoinedKioskOptions {
  dataDir: string;
  /** The site's server (app-mode.ts). */
  server: string;
  /** Electron's safeStorage in the app. */
  encryptor: KeyEncryptor;
  warn(line: string): void;
  appVersion?: string;
  pollMs?: number;
  /** Runs the desk reader against the server with this key (reader-agent.ts's startReaderAgent in the app). */
  startReader?(kioskKey: string): Pick<ReaderAgent, 'reader' | 'stop'>;
}

export interface JoinedKiosk {
  backend: KioskBackend;
  stop(): Promise<void>;
}

/**
 * The kiosk app joined to a site's server: no database, no server of its own. Its key comes from the
 * key store or from pairing; the desk reader runs while there is a key, and stops when it is refused.
 * Badges are enrolled at that reader from the console with the administrator's own token
 * (joined-enrollment.ts).
 */
export function joinedKiosk(options: JoinedKioskOptions): JoinedKiosk {
  const store = kioskKeyStore(options);
  let agent: Pick<ReaderAgent, 'reader' | 'stop'> | undefined;
  const readerFor = (kioskKey: string | undefined) => {
    void agent?.stop();
    agent = kioskKey && options.startReader ? options.startReader(kioskKey) : undefined;
  };

  const backend = siteBackend({
    server: options.server,
    keyStore: {
      load: () => store.load(),
      save(key) {
        store.save(key);
        readerFor(key);
      },
      forget() {
        store.forget();
        readerFor(undefined);
      },
    },
    ...(options.appVersion ? { appVersion: options.appVersion } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
  readerFor(store.load());

  const enrollment = kioskReaderEnrollment({
    reader: () => agent?.reader,
    kioskId: () => backend.kioskInfo().then((info) => info.kiosk.id, () => null),
    request: (method, path, accessToken, body) => backend.userRequest(method, path, accessToken, body),
  });

  return {
    backend: {
      ...backend,
      logout(accessToken) {
        enrollment.cancel();
        return backend.logout(accessToken);
      },
      windowClosed: () => enrollment.cancel(),
      userRequest: (method, path, accessToken, body, bodyType) =>
        enrollment.handle(method, path, accessToken, body) ?? backend.userRequest(method, path, accessToken, body, bodyType),
    },
    async stop() {
      await agent?.stop();
      agent = undefined;
    },
  };
}
