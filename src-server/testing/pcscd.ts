import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

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

/** A pcscd of the test's own, in the foreground, so that it can be killed and restarted at will. */
export class Pcscd {
  #child: ChildProcess | undefined;

  /** True when another pcscd was already running: the tests use it and leave it alone. */
  readonly borrowed = running();

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
