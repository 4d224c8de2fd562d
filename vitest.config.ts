import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-server/**/*.test.ts', 'src-main/**/*.test.ts', 'src-renderer/**/*.test.{ts,tsx}', 'e2e/**/*.test.ts'],
    // The e2e and CLI tests drive real browsers, processes and pcscd on a 2-core CI machine: some take
    // 15 s there on a busy day. A hung test still fails, later.
    testTimeout: 40_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
