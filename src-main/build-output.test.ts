import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm test` runs `npm run build` before vitest: these read what the Electron app would load.
const built = (path: string) => readFileSync(new URL(`../out/${path}`, import.meta.url), 'utf8');

describe('the built Electron app', () => {
  it('has a sandbox-ready preload: one CommonJS file that requires electron and nothing else', () => {
    const preload = built('preload/index.cjs');
    expect([...new Set(preload.match(/require\([^)]*\)/g))]).toEqual(['require("electron")']);
    expect(preload).not.toMatch(/\bimport\s*\(/);
    expect(preload).toContain('exposeInMainWorld("tapin"');
  });

  it('serves the kiosk page with a strict CSP', () => {
    const kiosk = built('renderer/kiosk.html');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(kiosk)?.[1] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain("'unsafe-eval'");
  });
});
