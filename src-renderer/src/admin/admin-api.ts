import type { Static } from 'typebox';
import type {
  AccessSummarySchema,
  AdminSessionSchema,
  AuditItemSchema,
  AuditPageSchema,
  AuditVerificationSchema,
  BadgeSummarySchema,
  EnrolledBadgeSchema,
  KioskSummarySchema,
  ReaderEnrolledSchema,
  ReaderSchema,
  RegisteredKioskSchema,
  UserListSchema,
  UserSummarySchema,
} from '../../../src-server/admin/admin.schemas.ts';
import type { PeopleImportReportSchema } from '../../../src-server/admin/admin-people.routes.ts';
import type { RevokeReason } from '../../../src-server/badges/revoke-reasons.ts';
import type { ApprovedPairingSchema } from '../../../src-server/pairing/pairing.schemas.ts';
import type { HttpMethod, UserTransport } from '../bridge/types.ts';

// The console's types are the server's own response schemas: one definition, checked on both sides.
export type AdminSession = Static<typeof AdminSessionSchema>;
export type UserSummary = Static<typeof UserSummarySchema>;
export type UserList = Static<typeof UserListSchema>;
export type BadgeSummary = Static<typeof BadgeSummarySchema>;
export type EnrolledBadge = Static<typeof EnrolledBadgeSchema>;
export type KioskSummary = Static<typeof KioskSummarySchema>;
export type RegisteredKiosk = Static<typeof RegisteredKioskSchema>;
export type ApprovedPairing = Static<typeof ApprovedPairingSchema>;
export type AccessSummary = Static<typeof AccessSummarySchema>;
export type AuditItem = Static<typeof AuditItemSchema>;
export type AuditPage = Static<typeof AuditPageSchema>;
export type AuditVerification = Static<typeof AuditVerificationSchema>;
export type ReaderInfo = Static<typeof ReaderSchema>;
export type ReaderEnrolled = Static<typeof ReaderEnrolledSchema>;
export type PeopleImportReport = Static<typeof PeopleImportReportSchema>;
export type PeopleImportRow = PeopleImportReport['rows'][number];

/** The largest people file the server takes (admin-people.routes.ts: PEOPLE_CSV_LIMIT). */
export const PEOPLE_CSV_MAX_BYTES = 2 * 1024 * 1024;

export { REVOKE_REASONS, type RevokeReason } from '../../../src-server/badges/revoke-reasons.ts';

export interface UserQuery {
  q?: string;
  role?: 'user' | 'admin';
  status?: 'active' | 'disabled' | 'all';
  sort?: 'name' | 'created' | 'role';
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface AuditQuery {
  userId?: number;
  kioskId?: number;
  badgeId?: number;
  outcome?: 'success' | 'failure';
  event?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** `?a=1&b=x` from the defined values of a query object. */
export function queryString(query: object): string {
  const pairs = Object.entries(query).filter(([, value]) => value !== undefined && value !== '');
  return pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`).join('&')}`;
}

/** The admin API (`/api/v1/admin/…`) for one signed-in administrator, over whichever transport the page has. */
export function adminApi(transport: UserTransport, accessToken: string) {
  const call = <T>(method: HttpMethod, path: string, body?: unknown) => transport.request(method, path, accessToken, body) as Promise<T>;
  return Object.freeze({
    session: () => call<AdminSession>('GET', 'admin/session'),
    stepUp: (pin: string) => call<AdminSession>('POST', 'admin/step-up', { pin }),
    setOwnPin: (pin: string, currentPin?: string) => call<undefined>('PUT', 'me/pin', currentPin === undefined ? { pin } : { pin, currentPin }),

    users: (query: UserQuery) => call<UserList>('GET', `admin/users${queryString(query)}`),
    user: (id: number) => call<UserSummary>('GET', `admin/users/${id}`),
    createUser: (input: { displayName: string; role: 'user' | 'admin'; pin?: string }) => call<UserSummary>('POST', 'admin/users', input),
    updateUser: (id: number, change: { displayName?: string; role?: 'user' | 'admin' }) => call<UserSummary>('PATCH', `admin/users/${id}`, change),
    disableUser: (id: number) => call<UserSummary>('POST', `admin/users/${id}/disable`, {}),
    enableUser: (id: number) => call<UserSummary>('POST', `admin/users/${id}/enable`, {}),
    setPin: (id: number, pin: string) => call<undefined>('PUT', `admin/users/${id}/pin`, { pin }),
    clearPin: (id: number) => call<undefined>('DELETE', `admin/users/${id}/pin`),
    endSessionsOf: (id: number) => call<{ revoked: number }>('POST', `admin/users/${id}/access-sessions/revoke`, {}),

    badges: async (userId: number) => (await call<{ items: BadgeSummary[] }>('GET', `admin/users/${userId}/badges`)).items,
    enrollBadge: (userId: number, input: { uid: string; withSecret: boolean; label?: string }) => call<EnrolledBadge>('POST', `admin/users/${userId}/badges`, input),
    revokeBadge: (id: number, reason: RevokeReason) => call<{ id: number; revokedAt: string }>('POST', `admin/badges/${id}/revoke`, { reason }),

    reader: () => call<ReaderInfo>('GET', 'admin/reader'),
    enrollAtReader: (input: { userId?: number; newUser?: { displayName: string; role?: 'user' | 'admin' }; withSecret: boolean; label?: string }) =>
      call<ReaderEnrolled>('POST', 'admin/reader/enrollments', input),
    cancelEnrollment: () => call<undefined>('DELETE', 'admin/reader/enrollments'),

    kiosks: async () => (await call<{ items: KioskSummary[] }>('GET', 'admin/kiosks')).items,
    registerKiosk: (input: { name: string; location?: string }) => call<RegisteredKiosk>('POST', 'admin/kiosks', input),
    updateKiosk: (id: number, change: { name?: string; location?: string | null }) => call<KioskSummary>('PATCH', `admin/kiosks/${id}`, change),
    revokeKiosk: (id: number) => call<KioskSummary>('POST', `admin/kiosks/${id}/revoke`, {}),
    approvePairing: (input: { code: string; name: string; location?: string }) => call<ApprovedPairing>('POST', 'admin/kiosk-pairings/approve', input),

    /** Reads a people file and reports what it would change (preview) or changes it (apply). */
    importPeople: (csv: string, mode: 'preview' | 'apply') => transport.request('POST', `admin/people/import?mode=${mode}`, accessToken, csv, 'csv') as Promise<PeopleImportReport>,
    exportPeople: () => call<string>('GET', 'admin/people/export'),

    accessSessions: async () => (await call<{ items: AccessSummary[] }>('GET', 'admin/access-sessions')).items,
    revokeAccess: (id: string) => call<undefined>('POST', `admin/access-sessions/${encodeURIComponent(id)}/revoke`, {}),

    audit: (query: AuditQuery) => call<AuditPage>('GET', `admin/audit${queryString(query)}`),
    auditCsv: (query: AuditQuery) => call<string>('GET', `admin/audit.csv${queryString({ ...query, cursor: undefined, limit: undefined })}`),
    verifyAudit: () => call<AuditVerification>('GET', 'admin/audit/verify'),
  });
}

export type AdminApi = ReturnType<typeof adminApi>;
