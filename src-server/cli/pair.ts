import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config.ts';
import type { Services } from '../services.ts';
import { writePrivateFile } from '../private-file.ts';

/** How often `tapin pair` asks whether its code was approved (RFC 8628's default interval is 5 s; a person is waiting). */
export const PAIR_POLL_INTERVAL_MS = 2_000;

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const json = (value: unknown) => JSON.stringify(value);

/** `tapin kiosk pair CODE --name NAME [--location L]`: an administrator at the server approves a kiosk's code. */
export async function approvePairing(services: Services, input: { code: string; name: string; location?: string }): Promise<{ id: number }> {
  const approved = await services.pairings.approve(input);
  return { id: approved.id };
}

export interface PairOptions {
  server: string;
  keyFile: string;
  name?: string;
  pollIntervalMs?: number;
}

interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  retryAfterMs?: number;
}

/** What `tapin pair` writes to its key file: enough for the kiosk to talk to its server. */
export interface KioskKeyFile {
  server: string;
  kioskId: number;
  kioskKey: string;
}

/**
 * `tapin pair --server URL --key-file PATH [--name N]`: the kiosk's side of pairing from a terminal.
 * Prints the code, waits for an administrator's approval, writes the key file; exit 1 if the code
 * expires first or the server cannot be reached.
 */
export async function pairWithServer(options: PairOptions, io: Output): Promise<number> {
  const base = serverBase(options.server);
  const keyFile = resolve(options.keyFile);
  checkKeyFolder(keyFile);
  const interval = options.pollIntervalMs ?? PAIR_POLL_INTERVAL_MS;

  let created: ApiAnswer;
  try {
    created = await call(`${base}/api/v1/kiosk-pairings`, { method: 'POST', body: json(options.name === undefined ? {} : { name: options.name }) });
  } catch (error) {
    io.err(`tapin: cannot reach the server at ${options.server}: ${reason(error)}`);
    return 1;
  }
  if (created.status !== 201) {
    io.err(`tapin: the server refused to start a pairing: ${explain(created)}`);
    return 1;
  }
  const pairing = created.body as { id: string; code: string; pollSecret: string; expiresAt: string };
  io.out(json({ code: pairing.code, expiresAt: pairing.expiresAt }));

  // Only for a server that stops answering: past the code's life (and a margin for an approval in its
  // last seconds), give up. Otherwise the server's 410 says when the code expired.
  const giveUpAt = Date.now() + Math.max(0, Date.parse(pairing.expiresAt) - Date.now()) + 60_000;
  let unreachableSaid = false;
  for (;;) {
    let answer: ApiAnswer;
    try {
      answer = await call(`${base}/api/v1/kiosk-pairings/${encodeURIComponent(pairing.id)}`, { headers: { authorization: `Bearer ${pairing.pollSecret}` } });
    } catch (error) {
      if (Date.now() > giveUpAt) {
        io.err(`tapin: cannot reach the server at ${options.server} (${reason(error)}), and the code has expired`);
        return 1;
      }
      if (!unreachableSaid) io.err(`tapin: cannot reach the server at ${options.server} (${reason(error)}); still trying`);
      unreachableSaid = true;
      await sleep(interval);
      continue;
    }
    if (answer.status === 200 && answer.body?.status === 'approved') {
      const kioskKey: unknown = answer.body.kioskKey;
      const kioskId = Number(answer.body.kiosk?.id);
      if (typeof kioskKey !== 'string') {
        io.err('tapin: the kiosk was approved but its key was already collected by another request; pair again');
        return 1;
      }
      writeKeyFile(keyFile, { server: options.server, kioskId, kioskKey });
      io.out(json({ kioskId }));
      return 0;
    }
    if (answer.status === 410) {
      io.err('tapin: the code expired before an administrator approved it; run tapin pair again for a new code');
      return 1;
    }
    if (answer.status === 404) {
      io.err(`tapin: the server no longer knows this pairing: ${explain(answer)}`);
      return 1;
    }
    if (answer.status === 400) {
      io.err(`tapin: the server refused the pairing: ${explain(answer)}`);
      return 1;
    }
    // Pending, rate limited, or a passing server error: ask again (no sooner than the server asks).
    await sleep(Math.max(interval, answer.retryAfterMs ?? 0));
  }
}

function serverBase(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--server must be a URL such as https://tapin.example.org, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--server must be an http:// or https:// URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/** The key arrives once: make sure it can be written before asking for it. */
function checkKeyFolder(keyFile: string): void {
  const folder = dirname(keyFile);
  try {
    if (!statSync(folder).isDirectory()) throw new ConfigError(`--key-file: ${folder} is not a folder`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`--key-file: the folder ${folder} does not exist`);
  }
  try {
    if (statSync(keyFile).isDirectory()) throw new ConfigError(`--key-file: ${keyFile} is a folder`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
  }
  const probe = `${keyFile}.${randomBytes(6).toString('hex')}.probe`;
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    rmSync(probe);
  } catch (error) {
    throw new ConfigError(`--key-file: cannot write in ${folder} (${reason(error)})`);
  }
}

function writeKeyFile(keyFile: string, content: KioskKeyFile): void {
  writePrivateFile(keyFile, `${json(content)}\n`);
}

async function call(url: string, init: { method?: string; body?: string; headers?: Record<string, string> }): Promise<ApiAnswer> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return { status: response.status, body, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : undefined };
}

function explain(answer: ApiAnswer): string {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return error?.code ? `${answer.status} ${error.code}: ${error.message ?? ''}`.trim() : `HTTP ${answer.status}`;
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
