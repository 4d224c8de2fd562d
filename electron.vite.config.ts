import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Native modules stay in node_modules (unpacked from the asar when packaged), never bundled.
      externalizeDeps: { include: ['nfc-pcsc', '@pokusew/pcsclite'] },
      // The desk reader runs in a process of its own (nfc-pcsc blocks while pcscd is away).
      rollupOptions: { input: { index: resolve('src-main/index.ts'), 'reader-process': resolve('src-server/reader/reader-process.ts') } },
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
