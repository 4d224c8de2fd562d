import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

// Electron fetches its binary on first run, which this project's machines cannot do: where the binary
// is missing this check is skipped, and says so.
const root = fileURLToPath(new URL('..', import.meta.url));
const binaryMissing = !existsSync(join(root, 'node_modules/electron/path.txt'));
if (binaryMissing) console.error('electron e2e: skipped, the Electron binary is not installed (node_modules/electron/path.txt missing)');

describe.skipIf(binaryMissing)('the Electron kiosk app', () => {
  it('opens a sandboxed kiosk window that, on a fresh install, asks for the administrator’s badge', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'tapin-electron-'));
    const app = await electron.launch({ args: [join(root, 'out/main/index.js'), `--user-data-dir=${userData}`], env: { ...process.env, TAPIN_WINDOWED: '1' } });
    try {
      const window = await app.firstWindow();
      // A fresh data folder has no administrator yet: the first-run screen comes before any code.
      await window.getByRole('heading', { name: 'Tap a badge to become the administrator' }).waitFor();
      expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await window.evaluate(() => Object.keys((globalThis as unknown as { tapin: object }).tapin))).toEqual(['platform', 'kiosk']);
    } finally {
      await app.close();
    }
  });
});
