import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../src-server/private-file.ts';

/** A joined kiosk's key for its site's server, in the app's data folder. */
export const KIOSK_KEY_FILE = 'tapin-kiosk-key.json';

/** What the store needs of Electron's `safeStorage` (which it is in the app; tests pass a fake). */
export interface KeyEncryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface KioskKeyStore {
  /** The key kept for this server, if any (a key kept for another server is not this one's). */
  load(): string | undefined;
  save(key: string): void;
  forget(): void;
}

interface KeyFile {
  server: string;
  /** base64 of safeStorage's ciphertext, or the key itself where the OS offers no encryption. */
  kioskKey: { safeStorage: string } | { plain: string };
}

/**
 * The kiosk key on disk: owner-only (0600), written atomically, encrypted with the OS's keychain through
 * safeStorage where available; elsewhere (Linux with no secret service) plain, with a warning.
 */
export function kioskKeyStore(options: { dataDir: string; server: string; encryptor: KeyEncryptor; warn(line: string): void }): KioskKeyStore {
  const file = join(options.dataDir, KIOSK_KEY_FILE);
  const { encryptor, warn, server } = options;

  return {
    load() {
      if (!existsSync(file)) return undefined;
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
        if (saved.server !== server) return undefined;
        if ('plain' in saved.kioskKey) return saved.kioskKey.plain;
        return encryptor.decryptString(Buffer.from(saved.kioskKey.safeStorage, 'base64'));
      } catch (error) {
        // Unreadable (another user's keychain, a damaged file): the kiosk pairs again.
        warn(`TapIn kiosk: cannot read the kiosk key in ${file} (${error instanceof Error ? error.message : String(error)}); pair this kiosk again`);
        return undefined;
      }
    },
    save(key) {
      let kioskKey: KeyFile['kioskKey'];
      if (encryptor.isEncryptionAvailable()) {
        kioskKey = { safeStorage: encryptor.encryptString(key).toString('base64') };
      } else {
        warn(`TapIn kiosk: this system offers no encryption to apps (safeStorage); the kiosk key is kept unencrypted, readable by this user only, in ${file}`);
        kioskKey = { plain: key };
      }
      writePrivateFile(file, `${JSON.stringify({ server, kioskKey } satisfies KeyFile)}\n`);
    },
    forget() {
      rmSync(file, { force: true });
    },
  };
}
