import { Type } from 'typebox';
import { REVOKE_REASONS, SECRET_NOT_WRITTEN } from '../badges/revoke-reasons.ts';
import { IsoTime } from '../http/schemas.ts';
import { DeskReaderStateSchema } from '../reader/reader-presence.ts';

// Query strings and path parameters arrive as text (types are never coerced): numbers are patterns here
// and parsed by the routes.
const Digits = Type.String({ pattern: '^[0-9]{1,15}$', description: 'a whole number' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Pin = Type.String({ minLength: 1, maxLength: 32, description: '4 to 8 digits' });

export const IdParams = Type.Object({ id: Digits });
export const AccessIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const AdminSessionSchema = Type.Object({
  user: Type.Object({ id: Type.Integer(), displayName: Type.String(), role: Type.Literal('admin') }),
  pinSet: Type.Boolean(),
  pinLocked: Type.Boolean(),
  stepUpValidUntil: Nullable(IsoTime),
});

export const PinBody = Type.Object({ pin: Pin });
export const OwnPinBody = Type.Object({ pin: Pin, currentPin: Type.Optional(Pin) });

export const UserSummarySchema = Type.Object({
  id: Type.Integer(),
  displayName: Type.String(),
  role: Role,
  createdAt: IsoTime,
  disabledAt: Nullable(IsoTime),
  pinSet: Type.Boolean(),
  pinLocked: Type.Boolean(),
  activeBadges: Type.Integer(),
});

export const UserListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100, description: 'part of a name, an id, or part of a badge UID' })),
  role: Type.Optional(Role),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('all')])),
  sort: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('created'), Type.Literal('role')])),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Digits),
  offset: Type.Optional(Digits),
});

export const UserListSchema = Type.Object({ items: Type.Array(UserSummarySchema), total: Type.Integer() });

export const CreateUserBody = Type.Object({ displayName: Name, role: Type.Optional(Role), pin: Type.Optional(Pin) });
export const UpdateUserBody = Type.Object({ displayName: Type.Optional(Name), role: Type.Optional(Role) });

export const BadgeSummarySchema = Type.Object({
  id: Type.Integer(),
  uid: Type.String(),
  label: Nullable(Type.String()),
  hasSecret: Type.Boolean(),
  createdAt: IsoTime,
  revokedAt: Nullable(IsoTime),
  revokeReason: Nullable(Type.String()),
  lastUsedAt: Nullable(IsoTime),
});

export const BadgeListSchema = Type.Object({ items: Type.Array(BadgeSummarySchema) });

export const EnrollBadgeBody = Type.Object({
  uid: Type.String({ minLength: 1, maxLength: 64 }),
  withSecret: Type.Optional(Type.Boolean()),
  label: Type.Optional(Name),
});

export const EnrolledBadgeSchema = Type.Object({ id: Type.Integer(), uid: Type.String(), secret: Type.Optional(Type.String()) });

export const RevokeBadgeBody = Type.Object({
  reason: Type.Union([...REVOKE_REASONS, SECRET_NOT_WRITTEN].map((r) => Type.Literal(r))),
});

export const RevokedBadgeSchema = Type.Object({ id: Type.Integer(), revokedAt: IsoTime });

export const KioskSummarySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  location: Nullable(Type.String()),
  createdAt: IsoTime,
  revokedAt: Nullable(IsoTime),
  lastSeenAt: Nullable(IsoTime),
  signedIn: Nullable(Type.Object({ id: Type.Integer(), displayName: Type.String() })),
  online: Type.Boolean({ description: 'its screen holds its events socket now' }),
  appVersion: Nullable(Type.String({ description: 'as its screen last reported it' })),
  readerState: Nullable(DeskReaderStateSchema),
});

export const KioskListSchema = Type.Object({ items: Type.Array(KioskSummarySchema) });
export const CreateKioskBody = Type.Object({ name: Name, location: Type.Optional(Nullable(Type.String({ maxLength: 100 }))) });
export const UpdateKioskBody = Type.Object({ name: Type.Optional(Name), location: Type.Optional(Nullable(Type.String({ maxLength: 100 }))) });
export const RegisteredKioskSchema = Type.Object({ id: Type.Integer(), key: Type.String({ description: 'shown this once' }), kiosk: KioskSummarySchema });

export const AccessSummarySchema = Type.Object({
  id: Type.String(),
  user: Type.Object({ id: Type.Integer(), displayName: Type.String(), role: Role }),
  kiosk: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  createdAt: IsoTime,
  expiresAt: IsoTime,
});

export const AccessListQuery = Type.Object({ userId: Type.Optional(Digits) });
export const AccessListSchema = Type.Object({ items: Type.Array(AccessSummarySchema) });
export const RevokedCountSchema = Type.Object({ revoked: Type.Integer() });

export const AuditQuery = Type.Object({
  userId: Type.Optional(Digits),
  kioskId: Type.Optional(Digits),
  badgeId: Type.Optional(Digits),
  outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
  event: Type.Optional(Type.String({ pattern: '^[a-z_.]{1,40}$', description: 'an event, or a family such as "login"' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO time, inclusive' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO time, exclusive' })),
  limit: Type.Optional(Digits),
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
});

export const AuditItemSchema = Type.Object({
  id: Type.Integer(),
  at: IsoTime,
  event: Type.String(),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  reason: Nullable(Type.String()),
  source: Nullable(Type.String()),
  clientAddress: Nullable(Type.String()),
  user: Nullable(Type.Object({ id: Type.Integer(), displayName: Nullable(Type.String()) })),
  kiosk: Nullable(Type.Object({ id: Type.Integer(), name: Nullable(Type.String()) })),
  badge: Nullable(Type.Object({ id: Nullable(Type.Integer()), uid: Nullable(Type.String()) })),
  actor: Nullable(Type.Object({ id: Type.Integer(), displayName: Nullable(Type.String()) })),
  loginSessionId: Nullable(Type.String()),
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const AuditPageSchema = Type.Object({ items: Type.Array(AuditItemSchema), nextCursor: Nullable(Type.String()) });

export const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  rows: Type.Integer(),
  head: Nullable(Type.Object({ id: Type.Integer(), hash: Type.String() })),
  checkpoint: Nullable(Type.Object({ throughId: Type.Integer(), hash: Type.String(), at: Type.Integer() })),
  broken: Type.Optional(Type.Object({ id: Nullable(Type.Integer()), message: Type.String() })),
});

export const ReaderSchema = Type.Object({
  attached: Type.Boolean(),
  kioskId: Nullable(Type.Integer()),
  state: Nullable(Type.String()),
  /** An enrollment is waiting for a badge on the reader. */
  enrolling: Type.Boolean(),
});

export const ReaderEnrollmentBody = Type.Object({
  userId: Type.Optional(Type.Integer({ minimum: 1 })),
  newUser: Type.Optional(Type.Object({ displayName: Name, role: Type.Optional(Role) })),
  withSecret: Type.Optional(Type.Boolean()),
  label: Type.Optional(Name),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 120 })),
});

export const ReaderEnrolledSchema = Type.Object({
  badge: Type.Object({ id: Type.Integer(), uid: Type.String() }),
  user: Type.Object({ id: Type.Integer(), displayName: Type.String(), role: Role }),
  secretWritten: Type.Boolean(),
});
