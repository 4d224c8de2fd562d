import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startReaderAgent } from '../reader/reader-agent.ts';
import type { CliIo } from './main.ts';

/** What `tapin pair` writes: the server the kiosk was paired with, its id and its key. */
export interface KioskKeyFile {
  server: string;
  kioskId: number;
  kioskKey: string;
}

/** A mistake in the flags or the key file: one line on stderr, exit code 2. */
class ReaderUsageError extends Error {}

function serverUrl(raw: string, where: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ReaderUsageError(`${where} must be the server's URL (http://host:port), got "${raw.slice(0, 80)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ReaderUsageError(`${where} must be an http:// or https:// URL, got "${raw.slice(0, 80)}"`);
  if (url.username || url.password || url.search || url.hash) throw new ReaderUsageError(`${where} must be the server's base URL, without credentials, query or fragment`);
  return url.href.replace(/\/+$/, '');
}

/** Reads and checks a key file; every problem is one line that says which file and what is wrong. */
export function readKioskKeyFile(path: string): KioskKeyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReaderUsageError(`cannot read the key file ${path}${code === 'ENOENT' ? ': no such file (write it with tapin pair)' : code ? ` (${code})` : ''}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ReaderUsageError(`the key file ${path} is not JSON (tapin pair writes {"server", "kioskId", "kioskKey"})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ReaderUsageError(`the key file ${path} must hold a JSON object {"server", "kioskId", "kioskKey"}`);
  const { server, kioskId, kioskKey } = parsed as Record<string, unknown>;
  if (typeof server !== 'string') throw new ReaderUsageError(`the key file ${path} has no "server" URL`);
  if (typeof kioskId !== 'number' || !Number.isSafeInteger(kioskId) || kioskId < 1) throw new ReaderUsageError(`the key file ${path} has no valid "kioskId"`);
  if (typeof kioskKey !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(kioskKey)) throw new ReaderUsageError(`the key file ${path} has no valid "kioskKey"`);
  return { server: serverUrl(server, `"server" in ${path}`), kioskId, kioskKey };
}

/**
 * `tapin reader --server URL --key-file PATH`: the desk reader at a kiosk, for a server elsewhere. Runs
 * until SIGTERM or SIGINT (or `signal`, for tests run in-process), then exits 0.
 */
export async function readerCommand(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  let server: string;
  let keyFile: KioskKeyFile;
  try {
    let values: { server?: string | undefined; 'key-file'?: string | undefined };
    try {
      ({ values } = parseArgs({ args, options: { server: { type: 'string' }, 'key-file': { type: 'string' }, db: { type: 'string' } }, strict: true, allowPositionals: false }));
    } catch (error) {
      throw new ReaderUsageError(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
    }
    const path = values['key-file'];
    if (!path) throw new ReaderUsageError('--key-file is required (the file tapin pair wrote)');
    keyFile = readKioskKeyFile(path);
    // The flag wins: the server may have moved, or be reached by another name than at pairing.
    server = values.server === undefined ? keyFile.server : serverUrl(values.server, '--server');
    const mode = statSync(path).mode;
    if (mode & 0o077) io.err(`tapin: warning: the key file ${path} can be read by other users (chmod 600 ${path})`);
  } catch (error) {
    if (!(error instanceof ReaderUsageError)) throw error;
    io.err(`tapin: ${error.message}`);
    return 2;
  }

  io.out(`reader: kiosk ${keyFile.kioskId} at ${server}; waiting for the PC/SC service and a reader…`);
  const agent = startReaderAgent({
    server,
    kioskKey: keyFile.kioskKey,
    log: { info: (line) => io.out(line), warn: (line) => io.err(`tapin: ${line}`) },
  });

  return new Promise<number>((resolve) => {
    let closing = false;
    const stop = (why: string) => {
      if (closing) {
        io.err(`tapin: ${why} again, exiting now`);
        process.exit(1);
      }
      closing = true;
      io.out(`reader: stopping (${why})`);
      agent.stop().then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(0);
        },
        (error: unknown) => {
          io.err(`tapin: the reader did not stop cleanly: ${String(error)}`);
          resolve(1);
        },
      );
    };
    const onSignal = (name: NodeJS.Signals) => stop(name);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (signal?.aborted) stop('aborted');
    signal?.addEventListener('abort', () => stop('aborted'), { once: true });
  });
}
