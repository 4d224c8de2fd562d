#!/usr/bin/env node
// The CLI runs as JavaScript built ahead of time into out/ (`npm run build`, which `npm install` runs).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`tapin: Node.js 22.12 or newer is needed (Node 24 LTS recommended); this is ${process.version}\n`);
  process.exit(2);
}

// Node keeps the compiled code of TapIn and its dependencies on disk: later starts skip compiling it.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

let cli;
try {
  cli = await import('../out/main/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('cli.js')) throw error;
  process.stderr.write('tapin: TapIn is not built yet: run `npm run build` in its folder first\n');
  process.exit(1);
}
process.exitCode = await cli.run(process.argv.slice(2));
