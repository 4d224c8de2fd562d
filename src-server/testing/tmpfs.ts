import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small tmpfs of the test's own: a disk that fills up, or turns read-only, on demand. */
export interface Tmpfs {
  dir: string;
  readOnly(on: boolean): void;
  unmount(): void;
}

const mount = (args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

/** Mounts one, or says why it cannot (mounting needs root, or a container that permits it). */
export function mountTmpfs(sizeBytes: number): Tmpfs | string {
  const dir = mkdtempSync(join(tmpdir(), 'tapin-tmpfs-'));
  try {
    mount(['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim() || 'mount failed'})`;
  }
  return {
    dir,
    readOnly: (on) => mount(['-o', `remount,${on ? 'ro' : 'rw'}`, dir]),
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
