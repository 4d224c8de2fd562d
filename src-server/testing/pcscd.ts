import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { VPCD_PORT } from './virtual-card.ts';

/** Whether this machine has the PC/SC daemon and vsmartcard's virtual reader driver. */
export const pcscMissing = !existsSync('/usr/sbin/pcscd') || !existsSync('/etc/reader.conf.d/vpcd');
if (pcscMissing && process.env.CI) throw new Error('CI needs pcscd and vsmartcard-vpcd (apt-get install pcscd libpcsclite-dev vsmartcard-vpcd)');

const running = () => {
  try {
    execFileSync('pgrep', ['-x', 'pcscd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const LOCK = join(tmpdir(), 'tapin-virtual-reader.lock');

/**
 * vpcd's port is in the range the kernel hands out to whatever binds port 0 (.ci/run reserves it): a
 * server of another test sitting on it would leave pcscd with no reader at all. Waits for it, then says so.
 */
async function portFree(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '0.0.0.0', () => probe.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} (vsmartcard's virtual reader) is taken by another program: free it, or reserve it (net.ipv4.ip_local_reserved_ports)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * There is one virtual reader on the machine: test files that use it take turns (vitest runs files in
 * parallel processes). A lock left by a process that died is taken over.
 */
async function lockVirtualReader(): Promise<() => void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return () => rmSync(LOCK, { force: true });
    } catch {
      const holder = Number(readFileSync(LOCK, 'utf8') || 0);
      if (holder && !alive(holder)) rmSync(LOCK, { force: true });
      else if (Date.now() > deadline) throw new Error('the virtual reader stayed locked for 3 minutes');
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** A pcscd of the test's own, in the foreground, so that it can be killed and restarted at will. */
export class Pcscd {
  #child: ChildProcess | undefined;
  #unlock: (() => void) | undefined;

  #borrowed = false;

  /**
   * Waits for the virtual reader to be free, then starts pcscd. Whether a pcscd is already running is
   * only asked once the reader is ours: before, it may be another test file's, about to be killed.
   */
  async acquire(): Promise<void> {
    this.#unlock = await lockVirtualReader();
    this.#borrowed = running();
    if (!this.#borrowed) await portFree(VPCD_PORT);
    this.start();
  }

  /** Stops pcscd and frees the virtual reader for the next test file. */
  async release(): Promise<void> {
    await this.stop();
    this.#unlock?.();
    this.#unlock = undefined;
  }

  /** True when a pcscd not started by the tests (the machine's own) was running: the tests use it and leave it alone. */
  get borrowed(): boolean {
    return this.#borrowed;
  }

  start(): void {
    if (this.borrowed || this.#child) return;
    this.#child = spawn('/usr/sbin/pcscd', ['--foreground'], { stdio: 'ignore' });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * For the describe block it is called in: waits its turn for the virtual reader and starts pcscd
 * before the block's tests, stops it and frees the reader after them.
 */
export function useVirtualReader(): Pcscd {
  const pcscd = new Pcscd();
  beforeAll(() => pcscd.acquire(), 200_000);
  afterAll(() => pcscd.release());
  return pcscd;
}
