import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TAPIN_BIN = fileURLToPath(new URL('../../bin/tapin.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tapin …` as a user would, in its own process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [TAPIN_BIN, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Standard output and error so far. */
  output(): string;
  /** Resolves once the output (from `since` on) matches, with the match. */
  waitFor(pattern: RegExp, timeoutMs?: number, since?: number): Promise<RegExpExecArray>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface ServeProcess extends CliProcess {
  url: string;
}

/** Starts a long-running `tapin …` (serve, reader) and resolves once its output matches `ready`. */
export async function startCli(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<CliProcess> {
  const child = spawn(process.execPath, [TAPIN_BIN, ...args], { env: { ...process.env, ...env } });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const changed = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    for (const check of changed) check();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const waitFor: CliProcess['waitFor'] = (pattern, timeout = 20_000, since = 0) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out.slice(since));
        if (!match) return;
        done();
        resolve(match);
      };
      const done = () => {
        changed.delete(check);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`tapin ${args[0]} never printed ${pattern}: ${out}`));
      }, timeout);
      void exited.then((code) => {
        if (!changed.has(check)) return;
        done();
        reject(new Error(`tapin ${args[0]} exited with ${code} before printing ${pattern}: ${out}`));
      });
      changed.add(check);
      check();
    });
  const started: CliProcess = {
    child,
    output: () => out,
    waitFor,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
    exited,
  };
  try {
    await waitFor(ready, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return started;
}

/** Starts `tapin serve …` and resolves once it prints that it is listening. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const started = await startCli(['serve', ...args], /listening on (http:\/\/\S+)/, env);
  const url = /listening on (http:\/\/\S+)/.exec(started.output())?.[1] ?? '';
  return { ...started, url };
}
