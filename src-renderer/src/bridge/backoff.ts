/** The close code of a server going away for a restart (RFC 6455): another instance, or this one, is back at once. */
export const SERVICE_RESTART = 1012;

/**
 * After a 1012, the first reconnect comes within half a second (spread, so that a site's kiosks do not
 * all arrive in the same millisecond), without first saying the link is down.
 */
export function restartDelay(random: () => number = Math.random): number {
  return Math.round(100 + 400 * random());
}

/** Reconnect delays: 0.5 s doubling to 10 s, with ±20 % jitter so a site's kiosks do not reconnect in step. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}
