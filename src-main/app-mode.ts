import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type KioskAppMode, type KioskAppModeView } from '../src-renderer/src/bridge/types.ts';
import { writePrivateFile } from '../src-server/private-file.ts';
import type { AppModeControl } from './kiosk-backend.ts';

/** The kiosk app's choice of mode, in its data folder: `{"mode":"standalone"}` or `{"mode":"joined","server":"https://…"}`. */
export const APP_MODE_FILE = 'tapin-kiosk.json';

/** A TapIn server's base URL, checked: http(s), no query or fragment, no trailing slash. */
export function serverBase(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('INVALID_REQUEST', 400, `a TapIn server is a URL such as https://tapin.example.org, not "${raw.slice(0, 200)}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new ApiError('INVALID_REQUEST', 400, `a TapIn server is an http:// or https:// URL with no query, fragment or credentials, not "${raw.slice(0, 200)}"`);
  }
  return url.href.replace(/\/+$/, '');
}

/** A mode as the window or the config file sends it (untyped at run time), checked. */
export function parseAppMode(value: unknown): KioskAppMode {
  const choice = (typeof value === 'object' && value !== null ? value : {}) as { mode?: unknown; server?: unknown };
  if (choice.mode === 'standalone') return { mode: 'standalone' };
  if (choice.mode === 'joined' && typeof choice.server === 'string') return { mode: 'joined', server: serverBase(choice.server) };
  throw new ApiError('INVALID_REQUEST', 400, 'a mode is {"mode":"standalone"} or {"mode":"joined","server":"https://…"}');
}

/**
 * The app's mode, first found of: env `TAPIN_SERVER_URL` (joined to it; how 50 imaged machines get theirs),
 * the data folder's `tapin-kiosk.json`, an existing standalone install (its database is there), else
 * not chosen yet: the first-start question. A bad value stops the app with a message saying where.
 */
export function resolveAppMode(dataDir: string, env: Record<string, string | undefined>): KioskAppModeView {
  const fromEnv = env.TAPIN_SERVER_URL?.trim();
  if (fromEnv) return { ...parseWith(`TAPIN_SERVER_URL`, () => parseAppMode({ mode: 'joined', server: fromEnv })), fixed: true };
  const file = join(dataDir, APP_MODE_FILE);
  if (existsSync(file)) return { ...parseWith(file, () => parseAppMode(JSON.parse(readFileSync(file, 'utf8')))), fixed: false };
  // Installed before the question existed: it was, and stays, standalone.
  if (existsSync(join(dataDir, 'tapin.sqlite'))) return { mode: 'standalone', fixed: false };
  return { mode: 'unchosen', fixed: false };
}

/** Records the first-start answer for the next starts. */
export function saveAppMode(dataDir: string, mode: KioskAppMode): void {
  writePrivateFile(join(dataDir, APP_MODE_FILE), `${JSON.stringify(mode)}\n`);
}

function parseWith(where: string, parse: () => KioskAppMode): KioskAppMode {
  try {
    return parse();
  } catch (error) {
    throw new Error(`TapIn kiosk: ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Whether a TapIn server answers at `server`: its `/healthz` says `{"status":"ok","version":…}`. Throws
 * SERVER_UNREACHABLE (nothing answered, with why: refused, unknown host, certificate), SERVER_REDIRECTS
 * (the address sends elsewhere, say http → https: the kiosk is given the final address, never follows
 * one) or NOT_A_TAPIN_SERVER (something else answered), so that a typo is caught before the app restarts on it.
 */
export async function checkTapinServer(server: string, timeoutMs = 5_000): Promise<void> {
  const origin = new URL(server).origin;
  let response: Response;
  try {
    response = await fetch(`${server}/healthz`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new ApiError('SERVER_UNREACHABLE', 503, `cannot reach ${origin} (${cause})`);
  }
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    const target = new URL(location, `${server}/healthz`);
    throw new ApiError('SERVER_REDIRECTS', 400, `${origin} redirects to ${target.origin}${target.pathname.replace(/\/healthz$/, '')}`);
  }
  const health = (await response.json().catch(() => undefined)) as { status?: unknown; version?: unknown } | undefined;
  if (!response.ok || health?.status !== 'ok' || typeof health.version !== 'string') {
    throw new ApiError('NOT_A_TAPIN_SERVER', 400, `${origin} answers, but it is not a TapIn server (GET /healthz: ${response.status})`);
  }
}

/**
 * The first-start question's two ends in main: the mode as resolved, and the choice — checked (a
 * joined server must answer as TapIn), recorded in the data folder, then handed to `restart` (the app
 * relaunches in that mode).
 */
export function appModeControl(dataDir: string, env: Record<string, string | undefined>, restart: (mode: KioskAppMode) => void): AppModeControl {
  return {
    current: () => resolveAppMode(dataDir, env),
    async choose(mode) {
      if (mode.mode === 'joined') await checkTapinServer(mode.server);
      saveAppMode(dataDir, mode);
      restart(mode);
    },
  };
}
