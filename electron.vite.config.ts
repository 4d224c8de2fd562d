import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { HtmlTagDescriptor, Plugin } from 'vite';
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
    // The kiosk tells the server which version it runs (the admin console lists it).
    define: { __TAPIN_VERSION__: JSON.stringify(packageJson.version) },
    plugins: [react(), preloadFirstImports(), precompress()],
    build: {
      outDir: resolve('out/renderer'),
      minify: true,
      rollupOptions: { input: { kiosk: resolve('src-renderer/kiosk.html'), m: resolve('src-renderer/m.html') } },
    },
  },
});

/**
 * Has a page preload what its first script imports dynamically at once (the kiosk app behind the
 * kiosk's boot.ts), with all that those import statically, so that it downloads alongside that
 * script instead of after it. Lazy parts further down (the admin console) are left alone.
 */
function preloadFirstImports(): Plugin {
  return {
    name: 'tapin:preload-first-imports',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return;
        const files = new Set<string>();
        const add = (fileName: string) => {
          const imported = bundle[fileName];
          if (files.has(fileName) || imported?.type !== 'chunk') return;
          files.add(fileName);
          imported.imports.forEach(add);
        };
        chunk.dynamicImports.forEach(add);
        return [...files]
          .filter((file) => file !== chunk.fileName && !chunk.imports.includes(file))
          .map((file): HtmlTagDescriptor => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` }, injectTo: 'head' }));
      },
    },
  };
}

/**
 * Writes a brotli (`.br`) and a gzip (`.gz`) copy of each built page, script, style and icon, where
 * that makes it smaller, for the server to send as they are (@fastify/static's `preCompressed`).
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'tapin:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    // After the bundle and the public folder (the icon) are written.
    closeBundle() {
      for (const file of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
        if (!/\.(?:html|js|css|svg)$/.test(file)) continue;
        const path = join(outDir, file);
        const source = readFileSync(path);
        const brotli = brotliCompressSync(source, {
          params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: source.length },
        });
        const gzip = gzipSync(source, { level: zlib.Z_BEST_COMPRESSION });
        if (brotli.length < source.length * 0.9) writeFileSync(`${path}.br`, brotli);
        if (gzip.length < source.length * 0.9) writeFileSync(`${path}.gz`, gzip);
      }
    },
  };
}
