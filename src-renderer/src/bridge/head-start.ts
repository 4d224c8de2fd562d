import type { KioskBridge, KioskInfo, LoginSession } from './types.ts';

/** Who the kiosk is and its first login session: what it needs to show its first code. */
export interface FirstAnswers {
  info: KioskInfo;
  session: LoginSession;
}

export interface HeadStartBridge extends KioskBridge {
  /**
   * The first answers once both are in, within `waitMs`; taken then (the app opens on that code and
   * does not ask again), otherwise undefined, and they go to the app's first calls as they come.
   */
  firstAnswers(waitMs: number): Promise<FirstAnswers | undefined>;
}

export const hasHeadStart = (bridge: KioskBridge): bridge is HeadStartBridge => 'firstAnswers' in bridge;

/**
 * The bridge with the kiosk's first two calls (who it is, and its first login session) already sent,
 * before the app has even been downloaded: the app's first `kioskInfo()` and `createSession()` take
 * those answers, later calls go out as usual.
 */
export function withHeadStart(bridge: KioskBridge): HeadStartBridge {
  let info: Promise<KioskInfo> | undefined = bridge.kioskInfo();
  let session: Promise<LoginSession> | undefined = bridge.createSession();
  // Until the app asks, nobody awaits them: a failure is the app's to see then, not an unhandled rejection.
  info.catch(() => undefined);
  session.catch(() => undefined);
  const both = Promise.all([info, session]).then(
    ([info, session]) => ({ info, session }),
    () => undefined,
  );
  return {
    ...bridge,
    kioskInfo() {
      const early = info;
      info = undefined;
      return early ?? bridge.kioskInfo();
    },
    createSession() {
      const early = session;
      session = undefined;
      return early ?? bridge.createSession();
    },
    async firstAnswers(waitMs) {
      const answers = await Promise.race([both, new Promise<undefined>((resolve) => setTimeout(resolve, waitMs, undefined))]);
      // Taken only if the app has not asked for them meanwhile.
      if (!answers || !info || !session) return undefined;
      info = undefined;
      session = undefined;
      return answers;
    },
  };
}
