/**
 * The credential in a WebSocket's first message, `{"type": "auth", "<field>": "…"}`; undefined for
 * anything else (not JSON, another type, a credential that is not a string).
 */
export function readAuthMessage(data: unknown, field: 'kioskSecret' | 'kioskKey'): string | undefined {
  try {
    const message: unknown = JSON.parse(String(data));
    if (typeof message !== 'object' || message === null || !('type' in message) || message.type !== 'auth') return undefined;
    const value: unknown = (message as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
