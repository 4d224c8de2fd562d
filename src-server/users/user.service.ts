import type { Deps } from '../deps.ts';
import type { Role, UserRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { insertUser } from './user.repository.ts';

export const ROLES: readonly Role[] = ['user', 'admin'];

export interface PublicUser {
  id: number;
  displayName: string;
  role: Role;
}

export const toPublicUser = (row: Pick<UserRow, 'id' | 'display_name' | 'role'>): PublicUser => ({
  id: row.id,
  displayName: row.display_name,
  role: row.role,
});

export function cleanName(raw: string, what: string, max = 100): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw new AppError('INVALID_REQUEST', `${what} must not be empty`);
  if (name.length > max) throw new AppError('INVALID_REQUEST', `${what} must be at most ${max} characters`);
  return name;
}

export function userService({ db, clock }: Pick<Deps, 'db' | 'clock'>) {
  return Object.freeze({
    async add(input: { name: string; role?: string }): Promise<PublicUser> {
      const role = (input.role ?? 'user') as Role;
      if (!ROLES.includes(role)) throw new AppError('INVALID_REQUEST', `role must be one of ${ROLES.join(', ')}`);
      const row = await insertUser(db, { displayName: cleanName(input.name, 'name'), role, now: clock.now() });
      return toPublicUser(row);
    },
  });
}

export type UserService = ReturnType<typeof userService>;
