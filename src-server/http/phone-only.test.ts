import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../config.ts';
import { buildServer, type TapinServer } from './app.ts';

// The LAN is played by a second loopback address: 127.0.0.2 stands for "not this machine's loopback",
// so no traffic leaves the machine.
let server: TapinServer;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapin-lan-'));
  server = await buildServer(
    { ...defaultConfig, dbPath: join(dir, 'db.sqlite'), host: '0.0.0.0', port: 0, logLevel: 'silent' },
    { cleanupSchedule: false, phoneOnlyOffLoopback: (address) => address === '127.0.0.1' },
  );
  await server.listen();
  const address = server.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The answer's status, and its error code when it has one ("404 NOT_FOUND"). */
function status(host: string, method: string, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
        resolve(code ? `${res.statusCode} ${code}` : String(res.statusCode));
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('a kiosk server facing the LAN', () => {
  it('gives the LAN the phone routes only', async () => {
    // Reaching the phone endpoints: an unknown token is SESSION_NOT_FOUND, not a missing route.
    expect(await status('127.0.0.2', 'POST', '/api/v1/login-sessions/inspect', '{"token":"x"}')).toBe('404 SESSION_NOT_FOUND');
    expect(await status('127.0.0.2', 'POST', '/api/v1/login-sessions/validate', '{"token":"x","badge":{"uid":"04A1B2C3"}}')).toBe('404 SESSION_NOT_FOUND');
    expect(await status('127.0.0.2', 'GET', '/healthz')).toBe('200');
    expect(await status('127.0.0.2', 'POST', '/api/v1/login-sessions', '{}')).toBe('404 NOT_FOUND');
    expect(await status('127.0.0.2', 'GET', '/api/v1/kiosk')).toBe('404 NOT_FOUND');
    expect(await status('127.0.0.2', 'GET', '/kiosk')).toBe('404 NOT_FOUND');
  });

  it('keeps every route on loopback', async () => {
    expect(await status('127.0.0.1', 'POST', '/api/v1/login-sessions', '{}')).toBe('401 KIOSK_UNAUTHORIZED');
    expect(await status('127.0.0.1', 'GET', '/api/v1/kiosk')).toBe('401 KIOSK_UNAUTHORIZED');
  });
});
