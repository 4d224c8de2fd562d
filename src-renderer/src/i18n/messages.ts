import type { adminEn } from './admin-messages.ts';
import type { kioskEn } from './kiosk-messages.ts';
import type { phoneEn } from './phone-messages.ts';

// Each page carries only its own strings (kiosk-messages.ts, phone-messages.ts; the admin console's come
// with the console): the phone page downloads neither the kiosk's nor the console's, in either language.

export type Language = 'en' | 'fr';

export const commonEn = { 'lang.switch': 'Français' } as const;
export const commonFr: Record<keyof typeof commonEn, string> = { 'lang.switch': 'English' };

export type MessageKey = keyof typeof commonEn | keyof typeof kioskEn | keyof typeof phoneEn | keyof typeof adminEn;

/** Strings in both languages (each catalog's French has every key of its English). */
export type Messages = Record<Language, Partial<Record<MessageKey, string>>>;

/** The language a browser asks for, among the two TapIn speaks. */
export function preferredLanguage(languages: readonly string[]): Language {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}
