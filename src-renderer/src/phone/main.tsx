import { phoneMessages } from '../i18n/phone-messages.ts';
import { mount } from '../mount.tsx';
import type { Inspected } from './phone-api.ts';
import { PhoneApp, screenAfterInspect } from './PhoneApp.tsx';

// Once the app is loaded, how long it may wait for the answer to open on the question rather than on
// "Checking the code…" replaced a moment later (drawing the page twice).
const OPENING_WAIT_MS = 250;

/** The phone app, started by boot.ts with the token and the answer it asked for. */
export async function startPhoneApp(token: string | undefined, inspecting: Promise<Inspected> | undefined): Promise<void> {
  const late = new Promise<undefined>((resolve) => setTimeout(resolve, OPENING_WAIT_MS, undefined));
  const opening = inspecting && (await Promise.race([screenAfterInspect(inspecting), late]));
  mount(<PhoneApp token={token} inspecting={inspecting} opening={opening} />, phoneMessages);
}
