import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Seed, TestServer } from '../src-server/testing/test-server.ts';
import { watchKiosk } from '../src-server/testing/ws-client.ts';
import { chromiumMissing, kioskContext, pageErrors, screenshotPath, useChromium } from './support/browser.ts';
import { ADMIN_PIN, signInAtConsole, siteWithAdmin, typePin } from './support/console.ts';

// The Kiosks tab in Chromium: pairing a kiosk by the code on its screen, and which kiosks are up.
const browser = useChromium();
let t: TestServer;
let seed: Seed;

const errors: string[] = [];
afterAll(() => {
  expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
});

/** The console, signed in as Katherine (badge + PIN), on its Kiosks tab. */
async function openKiosksTab(locale = 'en-GB'): Promise<Page> {
  const context = locale === 'en-GB' ? await kioskContext(browser()) : await browser().newContext({ locale, viewport: { width: 1280, height: 800 } });
  const admin = await context.newPage();
  const seen = pageErrors(admin);
  onTestFinished(() => void errors.push(...seen));
  await admin.goto(`${t.url}/admin#key=${seed.kioskKey}`);
  await signInAtConsole(browser(), admin, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
  await admin.getByRole('tab', { name: locale === 'en-GB' ? 'Kiosks' : 'Bornes' }).click();
  return admin;
}

/** What a kiosk showing a pairing code got from the server. */
async function newPairing(name?: string): Promise<{ id: string; code: string; pollSecret: string }> {
  const created = await t.api('/api/v1/kiosk-pairings', { body: name === undefined ? {} : { name } });
  expect(created.status).toBe(201);
  return created.body;
}

describe.skipIf(chromiumMissing)('the Kiosks tab of the admin console, in Chromium', () => {
  beforeEach(async () => {
    ({ t, seed } = await siteWithAdmin());
    return () => t.close();
  });

  it('pairs a kiosk by the code on its screen (asking for the PIN again), and says why a code is refused', async () => {
    const admin = await openKiosksTab();
    const form = admin.getByRole('form', { name: 'Pair a kiosk' });
    await form.waitFor();
    // The last PIN confirmation is old: the first change asks for it again.
    await t.server.deps.db.updateTable('access_sessions').set({ pin_confirmed_at: 0 }).execute();

    // A code no kiosk is showing.
    await form.getByLabel('Code').fill('BCDF-2345');
    await form.getByLabel('Name').fill('Front desk');
    await form.getByRole('button', { name: 'Pair' }).click();
    await admin.getByRole('heading', { name: 'Confirm with your PIN' }).waitFor();
    await typePin(admin, ADMIN_PIN);
    await form.getByRole('alert').getByText('No kiosk is waiting with this code. Check the code on its screen.').waitFor();
    await admin.screenshot({ path: screenshotPath('admin-kiosks-pair-error') });

    // The code a kiosk shows, typed in lower case without its dash.
    const pairing = await newPairing('Kiosk 7');
    await form.getByLabel('Code').fill(pairing.code.replace('-', '').toLowerCase());
    await form.getByLabel('Name').fill('Front desk');
    await form.getByLabel('Location').fill('Hall B');
    await admin.screenshot({ path: screenshotPath('admin-kiosks-pair-form') });
    await form.getByRole('button', { name: 'Pair' }).click();
    await form.getByRole('status').getByText('Kiosk “Front desk” is paired: it receives its key by itself.').waitFor();
    const row = admin.getByRole('row', { name: /Front desk/ });
    await row.getByRole('cell', { name: 'Hall B' }).waitFor();
    await row.getByText('Offline · never seen').waitFor();
    await admin.screenshot({ path: screenshotPath('admin-kiosks-paired') });
    // The kiosk collects its key, and it works.
    const polled = await t.api(`/api/v1/kiosk-pairings/${pairing.id}`, { token: pairing.pollSecret });
    expect(polled.body).toMatchObject({ status: 'approved', kiosk: { name: 'Front desk' } });
    expect((await t.api('/api/v1/kiosk', { token: polled.body.kioskKey })).body.kiosk.name).toBe('Front desk');

    // The same code again, and a code that ran out.
    await form.getByLabel('Code').fill(pairing.code);
    await form.getByLabel('Name').fill('Second desk');
    await form.getByRole('button', { name: 'Pair' }).click();
    await form.getByRole('alert').getByText('This code was already used to pair a kiosk.').waitFor();
    const late = await newPairing();
    await t.server.deps.db.updateTable('kiosk_pairings').set({ expires_at: 0 }).where('id', '=', late.id).execute();
    await form.getByLabel('Code').fill(late.code);
    await form.getByRole('button', { name: 'Pair' }).click();
    await form.getByRole('alert').getByText('This code has expired. Let the kiosk show a new one.').waitFor();
    expect((await t.server.services.kiosks.list()).map((k) => k.name).sort()).toEqual(['Front desk', 'Lobby kiosk']);
  }, 90_000);

  it('says in French why a code is refused', async () => {
    const admin = await openKiosksTab('fr-FR');
    const form = admin.getByRole('form', { name: 'Appairer une borne' });
    await form.getByLabel('Code').fill('bcdf2345');
    await form.getByLabel('Nom').fill('Accueil');
    await form.getByRole('button', { name: 'Appairer' }).click();
    await form.getByRole('alert').getByText('Aucune borne n’attend avec ce code. Vérifiez le code sur son écran.').waitFor();
    await admin.screenshot({ path: screenshotPath('admin-kiosks-pair-error-fr') });
  }, 60_000);

  it('shows a kiosk online while its screen holds its events socket, then offline with when it was last seen', async () => {
    const hall = await t.server.services.kiosks.register({ name: 'Hall kiosk', location: 'Building B' });
    await t.api('/api/v1/kiosk/reader-state', { method: 'PUT', token: seed.kioskKey, body: { state: 'ready' } });
    const screen = await watchKiosk(t.url, hall.key);
    await screen.next((m) => m.type === 'hello');
    const admin = await openKiosksTab();
    const hallRow = admin.getByRole('row', { name: /Hall kiosk/ });
    await hallRow.getByText('Online', { exact: true }).waitFor();
    const lobbyRow = admin.getByRole('row', { name: /Lobby kiosk/ });
    await lobbyRow.getByText('Reader ready').waitFor();
    await hallRow.getByText('No reader').waitFor();
    await admin.screenshot({ path: screenshotPath('admin-kiosks-presence') });

    // The screen goes away: the list, refreshing by itself, shows it offline and when it was last seen.
    screen.socket.close();
    await hallRow.getByText('Offline · last seen just now').waitFor({ timeout: 15_000 });
    expect(await hallRow.locator('.presence.online').count()).toBe(0);
    await admin.screenshot({ path: screenshotPath('admin-kiosks-offline') });
  }, 60_000);
});
