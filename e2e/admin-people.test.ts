import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { CLI_ACTOR } from '../src-server/audit/audit.repository.ts';
import { peopleService } from '../src-server/people/people.service.ts';
import type { Seed, TestServer } from '../src-server/testing/test-server.ts';
import { chromiumMissing, pageErrors, screenshotPath, useChromium } from './support/browser.ts';
import { ADMIN_PIN, signInAtConsole, siteWithAdmin, typePin } from './support/console.ts';

// People in bulk from the console, in Chromium: a CSV file chosen in the page, previewed, applied with the
// PIN, exported and imported back. The administrator signs in with badge + PIN (the phone's Web NFC is
// the only stand-in, as in kiosk-flow).
const browser = useChromium();
let t: TestServer;
let seed: Seed;

const errors: string[] = [];
afterAll(() => {
  expect(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/i.test(e))).toEqual([]);
});

/** The console, signed in as Katherine (badge + PIN), on its Users & badges tab. */
async function openConsole(locale = 'en-GB'): Promise<Page> {
  const context = await browser().newContext({ viewport: { width: 1280, height: 900 }, locale });
  onTestFinished(() => context.close());
  const admin = await context.newPage();
  const seen = pageErrors(admin);
  onTestFinished(() => void errors.push(...seen));
  await admin.goto(`${t.url}/admin#key=${seed.kioskKey}`);
  await signInAtConsole(browser(), admin, { uid: seed.secretUser.uid, secret: seed.secretUser.secret }, ADMIN_PIN);
  return admin;
}

/** Chooses a file in the import's file input, as a person would in the file picker. */
async function chooseFile(admin: Page, name: string, csv: string) {
  await admin.getByLabel(/^(CSV file|Fichier CSV)$/).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
}

const importedPeople = () => t.server.deps.db.selectFrom('users').select(['external_id', 'display_name', 'role']).where('external_id', 'is not', null).orderBy('external_id').execute();

describe.skipIf(chromiumMissing)('people in bulk in the admin console, in Chromium', () => {
  beforeEach(async () => {
    ({ t, seed } = await siteWithAdmin());
    return () => t.close();
  });

  it('previews a file with good and bad rows, applies it after the PIN, lists the new people; the same file again changes nothing', async () => {
    const csv = [
      'external_id,name,role,badge_uid,badge_label,disabled,id',
      '2001,Mary Jackson,user,04AAAAAAAAAAAA,blue card,,',
      '2001,,,04:bb:bb:bb:bb:bb:bb,spare,,',
      '2002,Dorothy Vaughan,admin,,,,',
      '2003,,user,,,,',
      '2004,Alan Turing,user,04A1B2C3D4E5F6,,,',
      '2005,Ada Lovelace,boss,,,,',
      `1001,Grace Hopper,,,,,${seed.user.id}`,
    ].join('\r\n');
    const admin = await openConsole();
    await admin.getByRole('button', { name: 'Import from CSV…' }).click();
    const region = admin.getByRole('region', { name: 'Import people from CSV' });
    await chooseFile(admin, 'people.csv', csv);

    // The preview: totals, the rows that change or are refused with their line and why; nothing written.
    await region.getByRole('status').getByText('2 to create, 1 to update, 0 unchanged, 3 refused. Badges to enroll: 2.').waitFor();
    await region.getByText('1 person not in the file is left alone.').waitFor();
    const rows = region.getByRole('table', { name: 'Rows that change something or are refused' });
    const row = (line: number) => rows.getByRole('row').filter({ has: admin.getByRole('cell', { name: String(line), exact: true }) });
    await expect(row(2).textContent()).resolves.toBe('22001Newnew badge');
    await expect(row(3).textContent()).resolves.toBe('32001Newnew badge');
    await expect(row(4).textContent()).resolves.toBe('42002New');
    await expect(row(5).textContent()).resolves.toBe('52003Refusedname is empty (a new person needs one)');
    await expect(row(6).textContent()).resolves.toContain('badge_uid 04A1B2C3D4E5F6 is already enrolled for Grace Hopper');
    await expect(row(7).textContent()).resolves.toMatch(/^72005Refused.*role/);
    await expect(row(8).textContent()).resolves.toBe('81001Updateexternal ID');
    await admin.screenshot({ path: screenshotPath('admin-people-preview'), fullPage: true });
    expect(await importedPeople()).toEqual([]);

    // Apply: the last PIN confirmation is old, so the console asks for it first.
    await t.server.deps.db.updateTable('access_sessions').set({ pin_confirmed_at: 0 }).execute();
    await region.getByRole('button', { name: 'Apply' }).click();
    await admin.getByRole('heading', { name: 'Confirm with your PIN' }).waitFor();
    await typePin(admin, ADMIN_PIN);
    await region.getByText('people.csv is imported.').waitFor();
    await region.getByRole('status').getByText('2 created, 1 updated, 0 unchanged, 3 refused. Badges enrolled: 2.').waitFor();
    // The list behind it is read again.
    await admin.getByRole('cell', { name: 'Mary Jackson' }).waitFor();
    await admin.getByRole('cell', { name: 'Dorothy Vaughan' }).waitFor();
    await expect(admin.getByRole('row', { name: /Mary Jackson/ }).locator('td.number').textContent()).resolves.toBe('2');
    await admin.screenshot({ path: screenshotPath('admin-people-applied'), fullPage: true });
    expect(await importedPeople()).toEqual([
      { external_id: '1001', display_name: 'Grace Hopper', role: 'user' },
      { external_id: '2001', display_name: 'Mary Jackson', role: 'user' },
      { external_id: '2002', display_name: 'Dorothy Vaughan', role: 'admin' },
    ]);

    // The same file again: everyone is as the file says; the refused rows are still refused.
    await region.getByRole('button', { name: 'Choose another file' }).click();
    await chooseFile(admin, 'people.csv', csv);
    await region.getByRole('status').getByText('0 to create, 0 to update, 3 unchanged, 3 refused.').waitFor();
    expect(await rows.getByRole('row', { name: /Refused/ }).count()).toBe(3);
    expect(await rows.getByRole('row', { name: /New|Update/ }).count()).toBe(0);
    await expect(region.getByRole('button', { name: 'Apply' }).isDisabled()).resolves.toBe(true);
  }, 90_000);

  it('exports a CSV download (token in a header, never in the address) that imports back without a change', async () => {
    const people = peopleService(t.server.deps, { endAccessOf: t.server.services.access.endAllOf });
    const imported = await people.import('external_id,name,role,badge_uid,badge_label\n3001,"Jackson, Mary",user,04CCCCCCCCCCCC,=cmd\n3002,Dorothy Vaughan,admin,,\n', 'apply', CLI_ACTOR);
    expect(imported).toMatchObject({ created: 2, refused: [] });
    const admin = await openConsole();

    const request = admin.waitForRequest((r) => r.url().includes('/people/export'));
    const downloading = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Export CSV' }).click();
    const sent = await request;
    expect(sent.url()).toBe(`${t.url}/api/v1/admin/people/export`);
    expect(sent.headers().authorization).toMatch(/^Bearer /);
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^tapin-people-\d{4}-\d{2}-\d{2}\.csv$/);
    const exported = await readFile(await download.path(), 'utf8');
    expect(exported.split('\n')[0]).toBe('external_id,name,role,badge_uid,badge_label,disabled,id');
    expect(exported).toContain('3001,"Jackson, Mary",user,04CCCCCCCCCCCC,\'=cmd,');
    expect(exported).toContain('Grace Hopper');
    expect(exported).toContain('Katherine Johnson');

    await admin.getByRole('button', { name: 'Import from CSV…' }).click();
    const region = admin.getByRole('region', { name: 'Import people from CSV' });
    await chooseFile(admin, download.suggestedFilename(), exported);
    await region.getByRole('status').getByText('0 to create, 0 to update, 4 unchanged, 0 refused.').waitFor();
    await region.getByText('Nothing to change: every row already matches TapIn.').waitFor();
    await expect(region.getByRole('button', { name: 'Apply' }).isDisabled()).resolves.toBe(true);
    await admin.screenshot({ path: screenshotPath('admin-people-reimport') });
  }, 60_000);

  it('says why a file is refused as a whole, in French', async () => {
    const admin = await openConsole('fr-FR');
    await admin.getByRole('button', { name: 'Importer un CSV…' }).click();
    const region = admin.getByRole('region', { name: 'Importer des personnes depuis un CSV' });
    await chooseFile(admin, 'badges.csv', 'nom,badge\nMary Jackson,04AAAAAAAAAAAA\n');
    await region.getByRole('alert').getByText(/^Impossible d’importer badges\.csv : unknown column "nom" in the header/).waitFor();
    await admin.screenshot({ path: screenshotPath('admin-people-refused-fr') });
    // Another file can be chosen straight away.
    await chooseFile(admin, 'personnes.csv', 'external_id,name\n4001,Mary Jackson\n');
    await region.getByRole('status').getByText('1 à créer, 0 à mettre à jour, 0 sans changement, 0 ligne(s) refusée(s).').waitFor();
    await region.getByText('2 personnes absentes du fichier restent telles quelles.').waitFor();
    expect(await region.getByRole('alert').count()).toBe(0);
  }, 60_000);
});
