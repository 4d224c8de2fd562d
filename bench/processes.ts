import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TAPIN_BIN = fileURLToPath(new URL('../bin/tapin.js', import.meta.url));

export interface Serving {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawning the process to its "listening on" line. */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * `tapin serve` as an operator runs it: its own process, shipped defaults but for `args`, its log going
 * to a file (as to journald) rather than through a pipe this process would have to drain.
 */
export async function startTapin(args: string[], logPath: string, env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const log = openSync(logPath, 'w');
  const started = performance.now();
  const child = spawn(process.execPath, [TAPIN_BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`tapin serve exited with ${child.exitCode}:\n${readFileSync(logPath, 'utf8')}`);
    url = /listening on (http:\/\/\S+)/.exec(readFileSync(logPath, 'utf8'))?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const startMs = performance.now() - started;
  return {
    child,
    url,
    startMs,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Resident memory of another process, from /proc (Linux). */
export function residentBytes(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}
