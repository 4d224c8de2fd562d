import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { KioskSummary, RegisteredKiosk } from './admin-api.ts';
import { useAction, useAdmin } from './admin-context.tsx';
import { DangerButton, ErrorLine } from './controls.tsx';
import { KioskConnection, KioskReader } from './KioskPresence.tsx';
import { PairKiosk } from './PairKiosk.tsx';
import { SortHeader, useSorted, useSortState } from './table.tsx';

type KioskColumn = 'name' | 'location' | 'connection' | 'status';

/** How often the list asks again who is online (and on coming back to the page). */
const REFRESH_MS = 10_000;

/**
 * Kiosks: which are online (last seen, app version, reader), who is signed in where; pair one by the
 * code on its screen or register one (the key is shown once); rename, relocate, revoke.
 */
export function KiosksPanel() {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const [kiosks, setKiosks] = useState<KioskSummary[]>([]);
  const [registered, setRegistered] = useState<RegisteredKiosk | undefined>();
  const [editing, setEditing] = useState<number | undefined>();
  const { sort, onSort } = useSortState<KioskColumn>('name');
  const action = useAction();
  const reload = () => action.run(api.kiosks, setKiosks);
  useEffect(() => {
    void reload();
    // A quiet refresh: a failed one leaves the list as it was, and the next one tries again.
    const refresh = () => {
      if (document.visibilityState === 'visible') api.kiosks().then(setKiosks, () => undefined);
    };
    const timer = setInterval(refresh, REFRESH_MS);
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', refresh);
    };
  }, [api]);

  const rows = useSorted(kiosks, sort, (kiosk, by) =>
    by === 'name' ? kiosk.name : by === 'location' ? kiosk.location : by === 'connection' ? `${kiosk.online ? 1 : 0}${kiosk.lastSeenAt ?? ''}` : kiosk.revokedAt ? 1 : 0,
  );
  // Where this page is served over HTTP, the kiosk's own link (the Electron app's page is a file).
  const kioskLink = (key: string) => (location.protocol.startsWith('http') ? `${location.origin}/kiosk#key=${key}` : undefined);

  return (
    <div className="panel">
      <PairKiosk onPaired={() => void reload()} />
      <RegisterKiosk onRegistered={(kiosk) => (setRegistered(kiosk), void reload())} register={(input) => guarded(() => api.registerKiosk(input))} />
      {registered && (
        <div className="secret-once" role="status">
          <p>{t('admin.kiosks.keyOnce', { name: registered.kiosk.name })}</p>
          <code className="mono">{registered.key}</code>
          {kioskLink(registered.key) && (
            <p>
              {t('admin.kiosks.openLink')} <code className="mono">{kioskLink(registered.key)}</code>
            </p>
          )}
          <button type="button" className="secondary small" onClick={() => setRegistered(undefined)}>
            {t('admin.kiosks.keyNoted')}
          </button>
        </div>
      )}
      <ErrorLine error={action.error} />
      <table className="data">
        <thead>
          <tr>
            <SortHeader label={t('admin.kiosks.name')} column="name" sort={sort} onSort={onSort} />
            <SortHeader label={t('admin.kiosks.location')} column="location" sort={sort} onSort={onSort} />
            <SortHeader label={t('admin.kiosks.connection')} column="connection" sort={sort} onSort={onSort} />
            <th>{t('admin.kiosks.version')}</th>
            <th>{t('admin.kiosks.reader')}</th>
            <th>{t('admin.kiosks.signedIn')}</th>
            <SortHeader label={t('admin.users.status')} column="status" sort={sort} onSort={onSort} />
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((kiosk) =>
            editing === kiosk.id ? (
              <EditKiosk
                key={kiosk.id}
                kiosk={kiosk}
                onCancel={() => setEditing(undefined)}
                onSave={(change) => action.run(() => guarded(() => api.updateKiosk(kiosk.id, change)), () => (setEditing(undefined), void reload()))}
              />
            ) : (
              <tr key={kiosk.id} className={kiosk.revokedAt ? 'revoked' : undefined}>
                <td>{kiosk.name}</td>
                <td>{kiosk.location ?? ''}</td>
                <td>
                  <KioskConnection kiosk={kiosk} />
                </td>
                <td className="mono">{kiosk.appVersion ?? '—'}</td>
                <td>
                  <KioskReader kiosk={kiosk} />
                </td>
                <td>{kiosk.signedIn?.displayName ?? ''}</td>
                <td>{kiosk.revokedAt ? <span className="pill bad">{t('admin.kiosks.revoked')}</span> : <span className="pill good">{t('admin.users.active')}</span>}</td>
                <td className="row tight">
                  {!kiosk.revokedAt && (
                    <>
                      <button type="button" className="secondary small" onClick={() => setEditing(kiosk.id)}>
                        {t('admin.edit')}
                      </button>
                      <DangerButton
                        small
                        label={t('admin.kiosks.revoke')}
                        question={t('admin.kiosks.revokeConfirm', { name: kiosk.name })}
                        onConfirmed={() => action.run(() => guarded(() => api.revokeKiosk(kiosk.id)), () => void reload())}
                      />
                    </>
                  )}
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

function RegisterKiosk({ register, onRegistered }: { register(input: { name: string; location?: string }): Promise<RegisteredKiosk>; onRegistered(kiosk: RegisteredKiosk): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [where, setWhere] = useState('');
  const action = useAction();
  return (
    <form
      className="toolbar"
      aria-label={t('admin.kiosks.register')}
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(() => register({ name, ...(where.trim() ? { location: where } : {}) }), (kiosk) => (onRegistered(kiosk), setName(''), setWhere('')));
      }}
    >
      <input aria-label={t('admin.kiosks.name')} placeholder={t('admin.kiosks.name')} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      <input aria-label={t('admin.kiosks.location')} placeholder={t('admin.kiosks.location')} value={where} maxLength={100} onChange={(e) => setWhere(e.target.value)} />
      <button type="submit" className="primary" disabled={action.busy || name.trim() === ''}>
        {t('admin.kiosks.register')}
      </button>
      {action.error && <span className="form-error">{action.error}</span>}
    </form>
  );
}

function EditKiosk({ kiosk, onSave, onCancel }: { kiosk: KioskSummary; onSave(change: { name: string; location: string | null }): void; onCancel(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(kiosk.name);
  const [where, setWhere] = useState(kiosk.location ?? '');
  return (
    <tr className="editing">
      <td>
        <input aria-label={t('admin.kiosks.name')} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      </td>
      <td>
        <input aria-label={t('admin.kiosks.location')} value={where} maxLength={100} onChange={(e) => setWhere(e.target.value)} />
      </td>
      <td colSpan={5} />
      <td className="row tight">
        <button type="button" className="secondary small" onClick={onCancel}>
          {t('admin.cancel')}
        </button>
        <button type="button" className="primary small" disabled={name.trim() === ''} onClick={() => onSave({ name, location: where.trim() ? where : null })}>
          {t('admin.save')}
        </button>
      </td>
    </tr>
  );
}
