import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type ServerConfig } from '../config.ts';
import { buildServer, type BuildOptions, type TapinServer } from '../http/app.ts';

export interface LoggedServer {
  server: TapinServer;
  port: number;
  /** Every line the server logged, parsed. */
  log: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A real server on a random loopback port whose log lines the test reads (at `info` unless told). */
export async function startLoggedServer(overrides: Partial<ServerConfig> = {}, options: BuildOptions = {}): Promise<LoggedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tapin-logged-'));
  const log: Record<string, unknown>[] = [];
  const server = await buildServer(
    { ...defaultConfig, dbPath: join(dir, 'db.sqlite'), port: 0, logLevel: 'info', ...overrides },
    { cleanupSchedule: false, logStream: { write: (line: string) => void log.push(JSON.parse(line) as Record<string, unknown>) }, ...options },
  );
  await server.listen();
  const address = server.app.server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : 0,
    log,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
