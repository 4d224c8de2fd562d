import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { createExpiryTimers, type ExpiryTimers } from './expiry-timers.ts';

let timers: ExpiryTimers | undefined;
afterEach(() => timers?.stopAll());

/** Expiry timers on a clock of the test's own, and every batch of due sessions they report. */
function timersOn(now: () => number) {
  const batches: string[][] = [];
  timers = createExpiryTimers(now, (ids) => batches.push(ids));
  return { timers, batches };
}

describe('the expiry timers', () => {
  it('find every watched session after a forward jump of the clock, in one look', async () => {
    const clock = manualClock();
    const { timers, batches } = timersOn(clock.now);
    for (let i = 0; i < 2_000; i++) timers.schedule(`s${i}`, { created_at: clock.now(), expires_at: clock.now() + 300_000 + i * 10 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(batches).toEqual([]);
    clock.advance(400_000);
    await expect.poll(() => batches.length, { timeout: 2_000 }).toBe(1);
    expect(new Set(batches[0])).toEqual(new Set(Array.from({ length: 2_000 }, (_, i) => `s${i}`)));
    expect(timers.size).toBe(0);
  });

  it('find a watched session once the clock steps back past its creation', async () => {
    const clock = manualClock();
    const { timers, batches } = timersOn(clock.now);
    timers.schedule('kept', { created_at: clock.now() - 3_600_000, expires_at: clock.now() + 300_000 });
    timers.schedule('ended', { created_at: clock.now(), expires_at: clock.now() + 300_000 });
    clock.advance(-600_000);
    await expect.poll(() => batches, { timeout: 2_000 }).toEqual([['ended']]);
    expect(timers.size).toBe(1);
  });

  it('fire at the nearest expiry, not at the next once-a-second look', async () => {
    const { timers, batches } = timersOn(Date.now);
    timers.schedule('late', { created_at: Date.now(), expires_at: Date.now() + 5_000 });
    const expiresAt = Date.now() + 300;
    timers.schedule('soon', { created_at: Date.now(), expires_at: expiresAt });
    await expect.poll(() => batches, { timeout: 2_000, interval: 10 }).toEqual([['soon']]);
    expect(Date.now() - expiresAt).toBeLessThan(500);
  });

  it('do not keep the process alive while sessions are watched', async () => {
    const module = pathToFileURL(new URL('./expiry-timers.ts', import.meta.url).pathname).href;
    const script = `import { createExpiryTimers } from ${JSON.stringify(module)};
      createExpiryTimers(() => 0, () => {}).schedule('s', { created_at: 0, expires_at: 3_600_000 });`;
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
