import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

// A PostgreSQL of the test's (or the benchmark's) own, from Debian's packages: initdb into a temp folder, started with
// pg_ctl on a free loopback port, dropped afterwards. Nothing of the machine's own cluster is touched.

const run = promisify(execFile);

/** Debian's newest installed PostgreSQL (`/usr/lib/postgresql/<version>/bin`), or TAPIN_PG_BIN. */
function postgresBin(): string {
  if (process.env.TAPIN_PG_BIN) return process.env.TAPIN_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return join(root, newest ?? '15', 'bin');
}

const BIN = postgresBin();

export const postgresMissing = !existsSync(join(BIN, 'initdb'));
if (postgresMissing && process.env.CI) throw new Error(`CI needs PostgreSQL at ${BIN} (apt-get install postgresql)`);

// PostgreSQL refuses to run as root: as root (CI), its programs run as Debian's `postgres` user.
const asRoot = process.getuid?.() === 0;

function pgCommand(program: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]] : [join(BIN, program), args];
}

async function pg(program: string, args: string[]): Promise<string> {
  const [file, argv] = pgCommand(program, args);
  try {
    const { stdout } = await run(file, argv, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`, { cause: error });
  }
}


let databases = 0;

export interface TestPostgres {
  readonly port: number;
  /** The cluster's own `postgres` database. */
  readonly adminUrl: string;
  /** A new, empty database on this cluster: its URL. */
  freshDatabase(): Promise<string>;
  /** Kills the server at once (`pg_ctl stop -m immediate`), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster. For tests `fsync=off`: their databases need not survive a power
 * cut, and they run several times faster for it; `durable` keeps PostgreSQL's defaults (the benchmark).
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'tapin-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await pg('initdb', ['-D', data, '-U', 'tapin', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const fast = options.durable ? '' : ' -c fsync=off -c full_page_writes=off';
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${fast}`;
  const start = () => pg('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']).then(() => undefined);
  await start();
  const base = `postgres://tapin@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;

  return {
    port,
    adminUrl,
    async freshDatabase() {
      const name = `tapin_test_${process.pid}_${++databases}`;
      await psql(adminUrl, `create database ${name}`);
      return `${base}/${name}`;
    },
    async kill() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    start,
    async destroy() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one SQL statement with psql (no client library needed for the harness itself). */
export function psql(url: string, statement: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-d', url, '-c', statement], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`psql: ${err.trim() || `exit ${code}`}`))));
  });
}
