import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { UserList, UserQuery } from './admin-api.ts';
import { typedPinProblem, useAction, useAdmin } from './admin-context.tsx';
import { EmptyRow, ErrorLine } from './controls.tsx';
import { EnrollAtReader } from './EnrollAtReader.tsx';
import { ImportPeople } from './ImportPeople.tsx';
import { SortHeader, useDateTime, useSortState } from './table.tsx';
import { UserDetail } from './UserDetail.tsx';

const PAGE = 25;

/** Users: search, filter, sort and page (on the server), create; a user's detail opens beside the list. */
export function UsersPanel({ selfId }: { selfId: number }) {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const dateTime = useDateTime();
  const { sort, onSort } = useSortState<'name' | 'role' | 'created'>('name');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<UserQuery['status']>('all');
  const [role, setRole] = useState<UserQuery['role'] | ''>('');
  const [offset, setOffset] = useState(0);
  const [list, setList] = useState<UserList | undefined>();
  const [selected, setSelected] = useState<number | undefined>();
  const [adding, setAdding] = useState<'user' | 'enroll' | 'import' | undefined>();
  const [version, setVersion] = useState(0);
  const load = useAction();
  const exporting = useAction();
  const refresh = () => setVersion((v) => v + 1);

  const exportCsv = () =>
    void exporting.run(api.exportPeople, (csv) => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      link.download = `tapin-people-${new Date().toISOString().slice(0, 10)}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    });

  // Typing searches after a pause, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQ(search.trim());
      setOffset(0);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    void load.run(() => api.users({ q, status, role: role || undefined, sort: sort.by, order: sort.order, limit: PAGE, offset }), setList);
  }, [api, q, status, role, sort.by, sort.order, offset, version]);

  return (
    <div className="panel-with-detail">
      <div className="panel">
        <div className="toolbar">
          <input type="search" aria-label={t('admin.users.search')} placeholder={t('admin.users.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
          <select aria-label={t('admin.users.status')} value={status} onChange={(e) => (setStatus(e.target.value as UserQuery['status']), setOffset(0))}>
            <option value="all">{t('admin.users.status.all')}</option>
            <option value="active">{t('admin.users.status.active')}</option>
            <option value="disabled">{t('admin.users.status.disabled')}</option>
          </select>
          <select aria-label={t('admin.users.role')} value={role} onChange={(e) => (setRole(e.target.value as UserQuery['role'] | ''), setOffset(0))}>
            <option value="">{t('admin.users.role.all')}</option>
            <option value="user">{t('dashboard.role.user')}</option>
            <option value="admin">{t('dashboard.role.admin')}</option>
          </select>
          <span className="spacer" />
          <button type="button" className="secondary" aria-expanded={adding === 'import'} onClick={() => setAdding(adding === 'import' ? undefined : 'import')}>
            {t('admin.users.import')}
          </button>
          <button type="button" className="secondary" disabled={exporting.busy} onClick={exportCsv}>
            {t('admin.users.export')}
          </button>
          <button type="button" className="secondary" onClick={() => setAdding(adding === 'enroll' ? undefined : 'enroll')}>
            {t('admin.enroll.open')}
          </button>
          <button type="button" className="primary" onClick={() => setAdding(adding === 'user' ? undefined : 'user')}>
            {t('admin.users.new')}
          </button>
        </div>
        {adding === 'user' && (
          <NewUser
            onDone={(id) => {
              setAdding(undefined);
              setSelected(id);
              refresh();
            }}
            onCancel={() => setAdding(undefined)}
            create={(input) => guarded(() => api.createUser(input))}
          />
        )}
        {adding === 'enroll' && (
          <EnrollAtReader
            onDone={(userId) => {
              setSelected(userId);
              refresh();
            }}
            onClose={() => setAdding(undefined)}
          />
        )}
        {adding === 'import' && <ImportPeople importPeople={api.importPeople} onImported={refresh} onClose={() => setAdding(undefined)} />}
        <ErrorLine error={exporting.error} />
        <ErrorLine error={load.error} />
        <table className="data">
          <thead>
            <tr>
              <SortHeader label={t('admin.users.name')} column="name" sort={sort} onSort={onSort} />
              <SortHeader label={t('admin.users.role')} column="role" sort={sort} onSort={onSort} />
              <th>{t('admin.users.badges')}</th>
              <th>{t('admin.users.pin')}</th>
              <th>{t('admin.users.status')}</th>
              <SortHeader label={t('admin.users.created')} column="created" sort={sort} onSort={onSort} />
            </tr>
          </thead>
          <tbody>
            {list?.items.map((user) => (
              <tr key={user.id} className={selected === user.id ? 'selected' : undefined} onClick={() => setSelected(user.id)}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(user.id)}>
                    {user.displayName}
                  </button>
                </td>
                <td>{t(user.role === 'admin' ? 'dashboard.role.admin' : 'dashboard.role.user')}</td>
                <td className="number">{user.activeBadges}</td>
                <td>{user.pinLocked ? t('admin.users.pinLocked') : user.pinSet ? t('admin.yes') : t('admin.no')}</td>
                <td>{user.disabledAt ? <span className="pill bad">{t('admin.users.disabled')}</span> : <span className="pill good">{t('admin.users.active')}</span>}</td>
                <td>{dateTime(user.createdAt)}</td>
              </tr>
            ))}
            {list && list.items.length === 0 && (
              <EmptyRow columns={6} text={t('admin.users.none')} />
            )}
          </tbody>
        </table>
        {list && (
          <div className="pager">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              {t('admin.previous')}
            </button>
            <span>{t('admin.range', { from: list.total === 0 ? 0 : offset + 1, to: offset + list.items.length, total: list.total })}</span>
            <button type="button" className="secondary" disabled={offset + PAGE >= list.total} onClick={() => setOffset(offset + PAGE)}>
              {t('admin.next')}
            </button>
          </div>
        )}
      </div>
      {selected !== undefined && <UserDetail key={selected} userId={selected} selfId={selfId} onChanged={refresh} onClose={() => setSelected(undefined)} />}
    </div>
  );
}

function NewUser({ create, onDone, onCancel }: { create(input: { displayName: string; role: 'user' | 'admin'; pin?: string }): Promise<{ id: number }>; onDone(id: number): void; onCancel(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState<'user' | 'admin'>('user');
  const [pin, setPin] = useState('');
  const action = useAction();
  return (
    <form
      className="inline-form"
      aria-label={t('admin.users.new')}
      onSubmit={(event) => {
        event.preventDefault();
        const problem = pin ? typedPinProblem(pin) : undefined;
        if (problem) return action.setError(t(problem));
        void action.run(() => create({ displayName: name, role, ...(pin ? { pin } : {}) }), (user) => onDone(user.id));
      }}
    >
      <label>
        {t('admin.users.name')}
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        {t('admin.users.role')}
        <select value={role} onChange={(e) => setRole(e.target.value as 'user' | 'admin')}>
          <option value="user">{t('dashboard.role.user')}</option>
          <option value="admin">{t('dashboard.role.admin')}</option>
        </select>
      </label>
      <label>
        {t('admin.users.initialPin')}
        <input inputMode="numeric" type="password" autoComplete="off" pattern="[0-9]{4,8}" maxLength={8} value={pin} onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))} />
      </label>
      <div className="form-actions">
        <button type="button" className="secondary" onClick={onCancel}>
          {t('admin.cancel')}
        </button>
        <button type="submit" className="primary" disabled={action.busy}>
          {t('admin.users.create')}
        </button>
      </div>
      <ErrorLine error={action.error} />
    </form>
  );
}
