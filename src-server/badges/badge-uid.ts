/**
 * Badge UIDs arrive as hex in any case, with or without ':' separators (Web NFC gives "04:a1:b2:…").
 * They are stored and shown upper-case without separators. Returns undefined for anything else.
 */
export function normalizeBadgeUid(raw: string): string | undefined {
  const trimmed = raw.trim();
  const compact = trimmed.includes(':') ? separatedHex(trimmed) : trimmed;
  if (compact === undefined || !/^[0-9a-fA-F]+$/.test(compact)) return undefined;
  // ISO 14443 UIDs are 4, 7 or 10 bytes; ISO 15693 ones are 8.
  if (compact.length % 2 !== 0 || compact.length < 8 || compact.length > 20) return undefined;
  return compact.toUpperCase();
}

function separatedHex(value: string): string | undefined {
  const parts = value.split(':');
  return parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p)) ? parts.join('') : undefined;
}

export const BADGE_UID_RULE = 'a badge UID is 4 to 10 bytes of hex, optionally separated by ":"';
