/**
 * A WebSocket's first message, `{"type": "auth", …}`, as an object; undefined for anything else (not
 * JSON, not an object, another type). Fields beyond the credential (a kiosk's `appVersion`) are kept,
 * never a reason to refuse.
 */
export function parseAuthMessage(data: unknown): Record<string, unknown> | undefined {
  try {
    const message: unknown = JSON.parse(String(data));
    if (typeof message !== 'object' || message === null || Array.isArray(message) || !('type' in message) || message.type !== 'auth') return undefined;
    return message as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The credential in a WebSocket's first message, `{"type": "auth", "<field>": "…"}`; undefined if there is none. */
export function readAuthMessage(data: unknown, field: 'kioskSecret' | 'kioskKey'): string | undefined {
  const value = parseAuthMessage(data)?.[field];
  return typeof value === 'string' ? value : undefined;
}
