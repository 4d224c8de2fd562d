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
  /** Runs the desk reader against the server with this key (reader-agent.ts in the app); returns its stop. */
  startReader?(kioskKey: string): () => Promise<void>;
}

export interface JoinedKiosk {
  backend: KioskBackend;
  stop(): Promise<void>;
}

/**
 * The kiosk app joined to a site's server: no database, no server of its own. Its key comes from the
 * key store or from pairing; the desk reader runs while there is a key, and stops when it is refused.
 */
export function joinedKiosk(options: JoinedKioskOptions): JoinedKiosk {
  const store = kioskKeyStore(options);
  let stopReader: (() => Promise<void>) | undefined;
  const readerFor = (kioskKey: string | undefined) => {
    void stopReader?.();
    stopReader = kioskKey && options.startReader ? options.startReader(kioskKey) : undefined;
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

  return {
    backend,
    async stop() {
      await stopReader?.();
      stopReader = undefined;
    },
  };
}
