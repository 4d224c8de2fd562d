import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The build (`npm run build`) writes every server entry and chunk flat into out/main and the pages
// into out/renderer. Run from its bundle, this module sits in out/main; run from source (the tests),
// it sits in src-server/, next to out/.
const here = fileURLToPath(new URL('.', import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');

/** The folder of the built server, CLI and desk-reader process. */
export const BUILT_MAIN_DIR = fromSource ? join(here, '../out/main') : here;

/** The built web pages (kiosk, phone, console) and their assets. */
export const BUILT_RENDERER_DIR = join(BUILT_MAIN_DIR, '../renderer');

/** The desk reader's own process, run as plain JavaScript by Node (or Electron as Node). */
export const BUILT_READER_PROCESS = join(BUILT_MAIN_DIR, 'reader-process.js');
