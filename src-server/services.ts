import { accessSessionService } from './access/access-session.service.ts';
import { badgeService } from './badges/badge.service.ts';
import type { Deps } from './deps.ts';
import { kioskService } from './kiosks/kiosk.service.ts';
import { pairingService } from './pairing/pairing.service.ts';
import { loginSessionService } from './sessions/login-session.service.ts';
import { userService } from './users/user.service.ts';

/** Every rule of TapIn, built once from its dependencies; HTTP, the CLI and later IPC all call these. */
export function createServices(deps: Deps) {
  const access = accessSessionService(deps);
  const kiosks = kioskService(deps, { endAccessAt: access.endAllAt });
  return Object.freeze({
    users: userService(deps, { endAccessOf: access.endAllOf }),
    badges: badgeService(deps),
    kiosks,
    access,
    loginSessions: loginSessionService(deps, { kiosks, access }),
    pairings: pairingService(deps, { kiosks }),
  });
}

export type Services = ReturnType<typeof createServices>;
