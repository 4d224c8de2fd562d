import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { AccessSummary } from './admin-api.ts';
import { useAction, useAdmin } from './admin-context.tsx';
import { DangerButton, EmptyRow, ErrorLine } from './controls.tsx';
import { SortHeader, useDateTime, useSorted, useSortState } from './table.tsx';

type SessionColumn = 'user' | 'kiosk' | 'since' | 'until';

/** Who is signed in where right now; end one session (the kiosk screen goes back to its code at once). */
export function SessionsPanel() {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const dateTime = useDateTime();
  const [sessions, setSessions] = useState<AccessSummary[]>([]);
  const { sort, onSort } = useSortState<SessionColumn>('since', 'desc');
  const action = useAction();
  const reload = () => action.run(api.accessSessions, setSessions);
  useEffect(() => {
    void reload();
  }, [api]);
  const rows = useSorted(sessions, sort, (s, by) => (by === 'user' ? s.user.displayName : by === 'kiosk' ? (s.kiosk?.name ?? '') : by === 'since' ? s.createdAt : s.expiresAt));

  return (
    <div className="panel">
      <div className="toolbar">
        <span>{t('admin.sessions.count', { count: sessions.length })}</span>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => void reload()}>
          {t('admin.refresh')}
        </button>
      </div>
      <ErrorLine error={action.error} />
      <table className="data">
        <thead>
          <tr>
            <SortHeader label={t('admin.sessions.user')} column="user" sort={sort} onSort={onSort} />
            <SortHeader label={t('admin.sessions.kiosk')} column="kiosk" sort={sort} onSort={onSort} />
            <SortHeader label={t('admin.sessions.since')} column="since" sort={sort} onSort={onSort} />
            <SortHeader label={t('admin.sessions.until')} column="until" sort={sort} onSort={onSort} />
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((session) => (
            <tr key={session.id}>
              <td>{session.user.displayName}</td>
              <td>{session.kiosk?.name ?? '—'}</td>
              <td>{dateTime(session.createdAt)}</td>
              <td>{dateTime(session.expiresAt)}</td>
              <td>
                <DangerButton
                  small
                  label={t('admin.sessions.end')}
                  question={t('admin.sessions.endConfirm', { name: session.user.displayName })}
                  onConfirmed={() => action.run(() => guarded(() => api.revokeAccess(session.id)), () => void reload())}
                />
              </td>
            </tr>
          ))}
          {rows.length === 0 && (
            <EmptyRow columns={5} text={t('admin.sessions.none')} />
          )}
        </tbody>
      </table>
    </div>
  );
}
