import '../styles/phone.css';
import { inspect } from './phone-api.ts';

// The phone page's first script, kept small: it asks which kiosk the code unlocks, then loads the app
// (React and all), which the page already preloads. A static import of the app would make this wait.

// The token rides in the fragment (never sent to a server); read it once and drop it from the address bar.
const token = new URLSearchParams(location.hash.slice(1)).get('t') ?? undefined;
const inspecting = token ? inspect(token) : undefined;
// The app handles a failure when it takes the answer; until then it is nobody's unhandled rejection.
inspecting?.catch(() => undefined);
void import('./main.tsx').then(({ startPhoneApp }) => startPhoneApp(token, inspecting));
// After the request is sent: a history update can take milliseconds on a fresh page.
if (token) history.replaceState(null, '', location.pathname);
