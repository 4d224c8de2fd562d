import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginSession, signIn, startTestServer, type TestServer } from '../testing/test-server.ts';

// Every statement the login path runs must find its rows through an index: a table scan there costs
// nothing in a test database and everything on a site with thousands of badges and a year of audit.
// better-sqlite3's `prepare` is watched (not replaced) to learn which statements that path prepares.
const prepared = new Set<string>();
const prepare = Database.prototype.prepare;

// Reading the newest audit row walks the rowid backwards and stops at once; SQLite calls that a scan.
const ALLOWED_SCANS = [/^SCAN audit_log$/];

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const seed = await t.seed();
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    prepared.add(source);
    return prepare.call(this, source);
  } as typeof prepare;
  try {
    // The login path: a kiosk asks for a code, a phone validates (a good badge, an unknown one), the
    // kiosk exchanges, the user reads /me and logs out; the desk reader's lookup of the newest session.
    const rejected = await createLoginSession(t, seed.kioskKey);
    await t.api('/api/v1/login-sessions/inspect', { body: { token: rejected.token } });
    await t.api('/api/v1/login-sessions/validate', { body: { token: rejected.token, badge: { uid: '04FFFFFFFFFFFF' } } });
    const accessToken = await signIn(t, seed.kioskKey, { uid: seed.secretUser.uid, secret: seed.secretUser.secret });
    await t.api('/api/v1/me', { token: accessToken });
    await t.api('/api/v1/logout', { method: 'POST', token: accessToken });
    await createLoginSession(t, seed.kioskKey);
    await t.server.services.loginSessions.validateAtKiosk(seed.kioskId, { uid: seed.user.uid }, { source: 'desk-reader' });
  } finally {
    Database.prototype.prepare = prepare;
  }
});

afterAll(async () => {
  await t.close();
});

describe('the login path’s statements', () => {
  it('all search an index instead of scanning a table', () => {
    const statements = [...prepared].filter((source) => /^\s*(select|update|delete|insert|with)\b/i.test(source));
    expect(statements.length).toBeGreaterThan(8);
    const db = new Database(t.server.deps.config.dbPath, { readonly: true });
    try {
      const scans = statements.flatMap((source) => {
        const parameters = (source.match(/\?/g) ?? []).map(() => null);
        const plan = db.prepare(`explain query plan ${source}`).all(...parameters) as { detail: string }[];
        return plan
          .map((step) => step.detail)
          .filter((detail) => /^SCAN /.test(detail) && !ALLOWED_SCANS.some((allowed) => allowed.test(detail)))
          .map((detail) => `${detail} in: ${source.slice(0, 160)}`);
      });
      expect(scans).toEqual([]);
    } finally {
      db.close();
    }
  });
});
