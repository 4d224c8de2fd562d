/** Every IPC channel between the kiosk window and the main process, named once for both sides. */
export const IPC = {
  kioskInfo: 'tapin:kiosk-info',
  createSession: 'tapin:create-session',
  exchange: 'tapin:exchange',
  logout: 'tapin:logout',
  userRequest: 'tapin:user-request',
  watchSession: 'tapin:watch-session',
  watchKiosk: 'tapin:watch-kiosk',
  unwatch: 'tapin:unwatch',
  firstRunNeeded: 'tapin:first-run-needed',
  claimFirstRun: 'tapin:claim-first-run',
  startPairing: 'tapin:start-pairing',
  checkPairing: 'tapin:check-pairing',
  appMode: 'tapin:app-mode',
  chooseMode: 'tapin:choose-mode',
  /** main → renderer: `{ subscription, event }` for a watch started above. */
  event: 'tapin:event',
} as const;

export type { IpcResult } from '../src-renderer/src/bridge/ipc-kiosk-bridge.ts';
