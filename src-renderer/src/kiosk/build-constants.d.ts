/** TapIn's version (package.json), put in at build time by electron.vite.config.ts (`define`). */
declare const __TAPIN_VERSION__: string;
