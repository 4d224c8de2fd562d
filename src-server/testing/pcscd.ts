import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
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

/** Sockets of any state (TIME_WAIT included) whose local port is `port`, from the kernel's tables. */
function socketsOnPort(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local && `${local.slice(local.lastIndexOf(':'))} ` === hex) count += 1;
    }
  }
  return count;
}

/**
 * vpcd's port must be free for pcscd's driver to bind it, without SO_REUSEADDR: another test's server
 * on it (the port is in the kernel's range for port 0; .ci/run reserves it), or the TIME_WAIT a killed
 * pcscd leaves for a minute, would leave pcscd with no reader at all. Waits for it, then says so.
 */
async function portFree(port: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const free =
      socketsOnPort(port) === 0 &&
      (await new Promise<boolean>((resolve) => {
        const probe = createServer();
        probe.once('error', () => resolve(false));
        probe.listen(port, '0.0.0.0', () => probe.close(() => resolve(true)));
      }));
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

/** Whether vpcd (loaded by pcscd) accepts a connection on its port within `timeoutMs`: the virtual reader is there. */
async function vpcdListening(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(VPCD_PORT, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
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
    if (this.#borrowed) return;
    await portFree(VPCD_PORT);
    // A pcscd whose vpcd driver did not come up (seen on a loaded CI machine) would show no reader for
    // the whole file: started again until the driver listens, and said plainly if it never does.
    for (let attempt = 1; ; attempt++) {
      this.start();
      if (await vpcdListening(10_000)) return;
      await this.stop();
      if (attempt === 3) throw new Error(`pcscd started three times, and its vpcd driver never listened on ${VPCD_PORT}: no virtual reader`);
    }
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
