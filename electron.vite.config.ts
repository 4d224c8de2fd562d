import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import packageJson from './package.json' with { type: 'json' };

// Native modules load their .node file from node_modules (unpacked from the asar when packaged).
const NATIVE = ['better-sqlite3', 'nfc-pcsc', '@pokusew/pcsclite'];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Everything else is bundled: one file to load instead of hundreds to find, read and link, which
      // is most of a cold start.
      externalizeDeps: { include: NATIVE, exclude: Object.keys(packageJson.dependencies).filter((name) => !NATIVE.includes(name)) },
      rollupOptions: {
        input: {
          index: resolve('src-main/index.ts'),
          // `tapin` (bin/tapin.js) runs this: the server and the CLI as JavaScript, never compiled at start.
          cli: resolve('src-server/cli/main.ts'),
          // The desk reader runs in a process of its own (nfc-pcsc blocks while pcscd is away).
          'reader-process': resolve('src-server/reader/reader-process.ts'),
        },
        // Flat, so that every built module finds the reader process and the pages from its own folder
        // (src-server/built-files.ts).
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be a single CommonJS file that requires nothing but electron.
      rollupOptions: {
        input: { index: resolve('src-main/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      minify: true,
      rollupOptions: { input: { kiosk: resolve('src-renderer/kiosk.html'), m: resolve('src-renderer/m.html') } },
    },
  },
});
