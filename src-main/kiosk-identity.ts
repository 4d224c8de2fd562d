import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Services } from '../src-server/services.ts';

interface Identity {
  id: number;
  key: string;
}

/**
 * This machine's kiosk: registered on first run, its key kept in the app's data folder (owner-only)
 * and never handed to the window.
 */
export async function localKiosk(dataDir: string, services: Services): Promise<Identity> {
  const file = join(dataDir, 'kiosk.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Identity;
    try {
      const kiosk = await services.kiosks.authenticate(saved.key);
      return { id: kiosk.id, key: saved.key };
    } catch {
      // revoked or from another database: register anew below
    }
  }
  const registered = await services.kiosks.register({ name: hostname() || 'Kiosk' });
  writeFileSync(file, JSON.stringify(registered), { mode: 0o600 });
  return registered;
}
