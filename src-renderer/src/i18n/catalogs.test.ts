/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { adminMessages } from './admin-messages.ts';
import { kioskMessages } from './kiosk-messages.ts';
import type { Messages } from './messages.ts';
import { phoneMessages } from './phone-messages.ts';

// Each page carries only its own strings: a key asked for where its page does not carry it would show
// as the key itself. These read the keys the components name and check that their page has them.

const KEY = /'((?:lang|kiosk|firstRun|reader|dashboard|pin|phone|admin|error)\.[\w.-]+)'/g;

// The components' source text, through Vite (as the build sees it), not through Node's file system.
const sources = import.meta.glob<string>(['../*/*.ts', '../*/*.tsx', '!../**/*.test.ts'], { query: '?raw', import: 'default', eager: true });

function keysNamedIn(folder: string): string[] {
  const texts = Object.entries(sources).filter(([path]) => path.startsWith(`../${folder}/`)).map(([, text]) => text);
  return [...new Set(texts.flatMap((text) => [...text.matchAll(KEY)].map((match) => match[1] as string)))];
}

const merged = (...catalogs: Messages[]): Messages => ({
  en: Object.assign({}, ...catalogs.map((c) => c.en)),
  fr: Object.assign({}, ...catalogs.map((c) => c.fr)),
});

describe('the strings each page carries', () => {
  const pages: [string, string[], Messages][] = [
    ['the phone page', ['phone'], phoneMessages],
    ['the kiosk screen', ['kiosk', 'pin'], kioskMessages],
    ['the admin console, on the kiosk screen', ['admin'], merged(kioskMessages, adminMessages)],
  ];
  for (const [page, folders, messages] of pages) {
    it(`has, for ${page}, every key its components name, in English and in French`, () => {
      const keys = folders.flatMap(keysNamedIn);
      expect(keys.length).toBeGreaterThan(5);
      expect(keys.filter((key) => !(key in messages.en) || !(key in messages.fr))).toEqual([]);
    });
  }

  it('keeps the admin console’s strings out of the kiosk and phone pages', () => {
    expect(Object.keys(kioskMessages.en).filter((key) => key.startsWith('admin.') || key.startsWith('phone.'))).toEqual([]);
    expect(Object.keys(phoneMessages.en).filter((key) => !key.startsWith('phone.') && key !== 'lang.switch')).toEqual([]);
  });
});
