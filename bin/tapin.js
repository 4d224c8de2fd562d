#!/usr/bin/env node
// The CLI runs straight from the TypeScript sources, so `npm install` is the only setup step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src-server/cli/main.ts');
process.exitCode = await run(process.argv.slice(2));
