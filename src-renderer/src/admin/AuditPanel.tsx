import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { AuditItem, AuditQuery, AuditVerification, KioskSummary } from './admin-api.ts';
import { useAction, useAdmin } from './admin-context.tsx';
import { EmptyRow, ErrorLine } from './controls.tsx';
import { useDateTime } from './table.tsx';

const EVENT_FAMILIES = ['login', 'logout', 'user', 'badge', 'kiosk', 'access', 'admin', 'audit'] as const;

/** `yyyy-mm-dd` from a date input as the start of that day, local time, in ISO. */
const dayStart = (day: string) => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);
const dayEnd = (day: string) => (day ? new Date(new Date(`${day}T00:00:00`).getTime() + 24 * 3600 * 1000).toISOString() : undefined);

/** The audit log: filter, page back through it, export what is filtered as CSV, check its chain. */
export function AuditPanel() {
  const { t } = useI18n();
  const { api } = useAdmin();
  const dateTime = useDateTime();
  const [kiosks, setKiosks] = useState<KioskSummary[]>([]);
  const [filter, setFilter] = useState({ event: '', outcome: '', kioskId: '', userId: '', from: '', to: '' });
  const [items, setItems] = useState<AuditItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [verified, setVerified] = useState<AuditVerification | undefined>();
  const action = useAction();

  const query = (): AuditQuery => ({
    event: filter.event || undefined,
    outcome: (filter.outcome || undefined) as AuditQuery['outcome'],
    kioskId: filter.kioskId ? Number(filter.kioskId) : undefined,
    userId: /^\d+$/.test(filter.userId) ? Number(filter.userId) : undefined,
    from: dayStart(filter.from),
    to: dayEnd(filter.to),
  });

  useEffect(() => {
    void api.kiosks().then(setKiosks, () => undefined);
  }, [api]);
  useEffect(() => {
    void action.run(
      () => api.audit({ ...query(), limit: 50 }),
      (page) => {
        setItems(page.items);
        setCursor(page.nextCursor);
      },
    );
  }, [api, filter]);

  const older = () =>
    cursor &&
    void action.run(
      () => api.audit({ ...query(), limit: 50, cursor }),
      (page) => {
        setItems((current) => [...current, ...page.items]);
        setCursor(page.nextCursor);
      },
    );

  const exportCsv = () =>
    void action.run(
      () => api.auditCsv(query()),
      (csv) => {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
        link.download = `tapin-audit-${new Date().toISOString().slice(0, 10)}.csv`;
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      },
    );

  const set = (key: keyof typeof filter) => (event: { target: { value: string } }) => setFilter({ ...filter, [key]: event.target.value });
  return (
    <div className="panel">
      <div className="toolbar wrap">
        <select aria-label={t('admin.audit.event')} value={filter.event} onChange={set('event')}>
          <option value="">{t('admin.audit.allEvents')}</option>
          {EVENT_FAMILIES.map((family) => (
            <option key={family} value={family}>
              {t(`admin.audit.family.${family}`)}
            </option>
          ))}
        </select>
        <select aria-label={t('admin.audit.outcome')} value={filter.outcome} onChange={set('outcome')}>
          <option value="">{t('admin.audit.allOutcomes')}</option>
          <option value="success">{t('admin.audit.success')}</option>
          <option value="failure">{t('admin.audit.failure')}</option>
        </select>
        <select aria-label={t('admin.audit.kiosk')} value={filter.kioskId} onChange={set('kioskId')}>
          <option value="">{t('admin.audit.allKiosks')}</option>
          {kiosks.map((kiosk) => (
            <option key={kiosk.id} value={kiosk.id}>
              {kiosk.name}
            </option>
          ))}
        </select>
        <input aria-label={t('admin.audit.userId')} placeholder={t('admin.audit.userId')} inputMode="numeric" size={8} value={filter.userId} onChange={set('userId')} />
        <label>
          {t('admin.audit.from')} <input type="date" value={filter.from} onChange={set('from')} />
        </label>
        <label>
          {t('admin.audit.to')} <input type="date" value={filter.to} onChange={set('to')} />
        </label>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={exportCsv}>
          {t('admin.audit.export')}
        </button>
        <button type="button" className="secondary" onClick={() => void action.run(api.verifyAudit, setVerified)}>
          {t('admin.audit.verify')}
        </button>
      </div>
      {verified && (
        <p className={verified.ok ? 'form-ok' : 'form-error'} role="status">
          {verified.ok ? t('admin.audit.intact', { rows: verified.rows }) : t('admin.audit.broken', { message: verified.broken?.message ?? '' })}
        </p>
      )}
      <ErrorLine error={action.error} />
      <table className="data compact">
        <thead>
          <tr>
            <th>{t('admin.audit.when')}</th>
            <th>{t('admin.audit.event')}</th>
            <th>{t('admin.audit.outcome')}</th>
            <th>{t('admin.audit.who')}</th>
            <th>{t('admin.audit.kiosk')}</th>
            <th>{t('admin.audit.badge')}</th>
            <th>{t('admin.audit.by')}</th>
            <th>{t('admin.audit.source')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} className={item.outcome === 'failure' ? 'failure' : undefined}>
              <td>{dateTime(item.at)}</td>
              <td className="mono">{item.event}</td>
              <td>{item.outcome === 'success' ? t('admin.audit.success') : `${t('admin.audit.failure')}${item.reason ? ` (${item.reason})` : ''}`}</td>
              <td>{item.user ? (item.user.displayName ?? `#${item.user.id}`) : ''}</td>
              <td>{item.kiosk ? (item.kiosk.name ?? `#${item.kiosk.id}`) : ''}</td>
              <td className="mono">{item.badge?.uid ?? ''}</td>
              <td>{item.actor ? (item.actor.displayName ?? `#${item.actor.id}`) : ''}</td>
              <td>{item.source ?? ''}</td>
            </tr>
          ))}
          {items.length === 0 && (
            <EmptyRow columns={8} text={t('admin.audit.none')} />
          )}
        </tbody>
      </table>
      {cursor && (
        <div className="pager">
          <button type="button" className="secondary" disabled={action.busy} onClick={older}>
            {t('admin.audit.older')}
          </button>
        </div>
      )}
    </div>
  );
}
