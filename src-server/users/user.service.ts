import { sql } from 'kysely';
import { transact } from '../db/dialect.ts';
import { CLI_ACTOR, recordChange, type Actor } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import type { Role, UserRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { isoTime } from '../sessions/login-session.view.ts';
import { hashPin, parseNewPin, PIN_LOCK_FAILURES } from './pin.ts';
import { countOtherActiveAdmins, findUser, insertUser, listUsers, type UserListQuery, type UserListRow } from './user.repository.ts';

export const ROLES: readonly Role[] = ['user', 'admin'];

export interface PublicUser {
  id: number;
  displayName: string;
  role: Role;
}

/** A user as the console lists them. */
export interface UserSummary extends PublicUser {
  createdAt: string;
  disabledAt: string | null;
  pinSet: boolean;
  pinLocked: boolean;
  activeBadges: number;
}

export const toPublicUser = (row: Pick<UserRow, 'id' | 'display_name' | 'role'>): PublicUser => ({
  id: row.id,
  displayName: row.display_name,
  role: row.role,
});

const toSummary = (row: UserListRow): UserSummary => ({
  ...toPublicUser(row),
  createdAt: isoTime(row.created_at),
  disabledAt: row.disabled_at === null ? null : isoTime(row.disabled_at),
  pinSet: row.has_pin === 1,
  pinLocked: row.pin_locked === 1,
  activeBadges: Number(row.active_badges),
});

export function cleanName(raw: string, what: string, max = 100): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw new AppError('INVALID_REQUEST', `${what} must not be empty`);
  if (name.length > max) throw new AppError('INVALID_REQUEST', `${what} must be at most ${max} characters`);
  return name;
}

function parseRole(raw: string | undefined): Role {
  const role = (raw ?? 'user') as Role;
  if (!ROLES.includes(role)) throw new AppError('INVALID_REQUEST', `role must be one of ${ROLES.join(', ')}`);
  return role;
}

interface UserServiceParts {
  /** Ends every access session of a user (they were disabled). */
  endAccessOf(userId: number, actor: Actor): Promise<number>;
}

/** Users: who they are, their role, their PIN. Every change is audited with who made it. */
export function userService({ db, clock }: Pick<Deps, 'db' | 'clock'>, parts: UserServiceParts) {
  async function existing(id: number): Promise<UserRow> {
    const user = await findUser(db, id);
    if (!user) throw new AppError('USER_NOT_FOUND', `no user with id ${id}`);
    return user;
  }

  async function summary(id: number): Promise<UserSummary> {
    const { rows } = await listUsers(db, { id, limit: 1, offset: 0, status: 'all' });
    const row = rows[0];
    if (!row) throw new AppError('USER_NOT_FOUND', `no user with id ${id}`);
    return toSummary(row);
  }

  /** Refuses a change that would leave nobody able to administer TapIn. */
  async function keepAnAdmin(user: UserRow): Promise<void> {
    if (user.role === 'admin' && user.disabled_at === null && (await countOtherActiveAdmins(db, user.id)) === 0) {
      throw new AppError('LAST_ADMINISTRATOR', `${user.display_name} is the last active administrator; make someone else an administrator first`);
    }
  }

  return Object.freeze({
    async add(input: { name: string; role?: string; pin?: string }, actor: Actor = CLI_ACTOR): Promise<PublicUser> {
      const role = parseRole(input.role);
      const displayName = cleanName(input.name, 'name');
      const pinHash = input.pin === undefined ? null : await hashPin(parseNewPin(input.pin));
      const now = clock.now();
      const row = await transact(db, async (tx) => {
        const created = await insertUser(tx, { displayName, role, now, pinHash });
        await recordChange(tx, now, actor, 'user.create', { userId: created.id, details: { displayName, role, pinSet: pinHash !== null } });
        return created;
      });
      return toPublicUser(row);
    },

    get: summary,

    async list(query: UserListQuery): Promise<{ items: UserSummary[]; total: number }> {
      const { rows, total } = await listUsers(db, query);
      return { items: rows.map(toSummary), total };
    },

    async update(id: number, change: { displayName?: string; role?: string }, actor: Actor): Promise<UserSummary> {
      const user = await existing(id);
      const displayName = change.displayName === undefined ? undefined : cleanName(change.displayName, 'name');
      const role = change.role === undefined ? undefined : parseRole(change.role);
      if (role === 'user' && user.role === 'admin') await keepAnAdmin(user);
      const changed: Record<string, unknown> = {};
      if (displayName !== undefined && displayName !== user.display_name) changed.displayName = displayName;
      if (role !== undefined && role !== user.role) changed.role = role;
      if (Object.keys(changed).length > 0) {
        const now = clock.now();
        await transact(db, async (tx) => {
          await tx
            .updateTable('users')
            .set({ ...(displayName !== undefined ? { display_name: displayName } : {}), ...(role !== undefined ? { role } : {}) })
            .where('id', '=', id)
            .execute();
          await recordChange(tx, now, actor, 'user.update', { userId: id, details: { ...changed, previous: { displayName: user.display_name, role: user.role } } });
        });
      }
      return summary(id);
    },

    /** Disables a user: their badges stop working and every session they have ends at once. */
    async disable(id: number, actor: Actor): Promise<UserSummary> {
      const user = await existing(id);
      if (user.disabled_at === null) {
        await keepAnAdmin(user);
        const now = clock.now();
        await transact(db, async (tx) => {
          await tx.updateTable('users').set({ disabled_at: now }).where('id', '=', id).where('disabled_at', 'is', null).execute();
          await recordChange(tx, now, actor, 'user.disable', { userId: id });
        });
        await parts.endAccessOf(id, actor);
      }
      return summary(id);
    },

    async enable(id: number, actor: Actor): Promise<UserSummary> {
      const user = await existing(id);
      if (user.disabled_at !== null) {
        const now = clock.now();
        await transact(db, async (tx) => {
          await tx.updateTable('users').set({ disabled_at: null }).where('id', '=', id).execute();
          await recordChange(tx, now, actor, 'user.enable', { userId: id });
        });
      }
      return summary(id);
    },

    /** Sets a user's PIN (and unlocks it). The PIN itself is never stored or logged, only its scrypt hash. */
    async setPin(id: number, pin: string, actor: Actor): Promise<void> {
      await existing(id);
      const pinHash = await hashPin(parseNewPin(pin));
      const now = clock.now();
      await transact(db, async (tx) => {
        await tx.updateTable('users').set({ pin_hash: pinHash, pin_failures: 0 }).where('id', '=', id).execute();
        await recordChange(tx, now, actor, 'user.pin_set', { userId: id });
      });
    },

    async clearPin(id: number, actor: Actor): Promise<void> {
      const user = await existing(id);
      if (user.role === 'admin') throw new AppError('INVALID_REQUEST', 'administrators must have a PIN; set a new one instead');
      if (user.pin_hash === null) return;
      const now = clock.now();
      await transact(db, async (tx) => {
        await tx.updateTable('users').set({ pin_hash: null, pin_failures: 0 }).where('id', '=', id).execute();
        await recordChange(tx, now, actor, 'user.pin_cleared', { userId: id });
      });
    },

    /** Whether a user has a PIN, and whether it is locked. */
    async pinState(id: number): Promise<{ pinSet: boolean; pinLocked: boolean }> {
      const row = await db
        .selectFrom('users')
        .select([sql<number>`case when pin_hash is not null then 1 else 0 end`.as('has_pin'), 'pin_failures'])
        .where('id', '=', id)
        .executeTakeFirst();
      return { pinSet: row?.has_pin === 1, pinLocked: (row?.pin_failures ?? 0) >= PIN_LOCK_FAILURES };
    },
  });
}

export type UserService = ReturnType<typeof userService>;
