import autocannon, { type Result } from 'autocannon';

/** The load both benchmarks drive: autocannon with 50 connections, and what its answers are worth. */
export const CONNECTIONS = 50;
export const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);

export function cannon(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** A run with any failed answer is no measure: it stops the benchmark, saying what failed. */
export function check(name: string, r: Result): void {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
}

export const rps = (r: Result): number => r.requests.total / (r.duration || DURATION_S);
