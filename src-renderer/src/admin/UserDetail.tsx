import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { REVOKE_REASONS, type BadgeSummary, type EnrolledBadge, type RevokeReason, type UserSummary } from './admin-api.ts';
import { typedPinProblem, typedUidProblem, useAction, useAdmin } from './admin-context.tsx';
import { DangerButton, EmptyRow, ErrorLine } from './controls.tsx';
import { EnrollAtReader } from './EnrollAtReader.tsx';
import { useDateTime } from './table.tsx';

/** One user: name, role, status, PIN, sessions, and their badges with revoke and enrollment. */
export function UserDetail({ userId, selfId, onChanged, onClose }: { userId: number; selfId: number; onChanged(): void; onClose(): void }) {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const dateTime = useDateTime();
  const [user, setUser] = useState<UserSummary | undefined>();
  const [badges, setBadges] = useState<BadgeSummary[]>([]);
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [enrolling, setEnrolling] = useState<'reader' | 'uid' | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const action = useAction();

  const reload = async () => {
    const [loaded, list] = await Promise.all([api.user(userId), api.badges(userId)]);
    setUser(loaded);
    setName(loaded.displayName);
    setBadges(list);
  };
  useEffect(() => {
    void action.run(reload);
  }, [api, userId]);

  /** A change: guarded by the PIN step-up, then the detail and the list are read again. */
  const change = (work: () => Promise<unknown>, message?: string) =>
    action.run(
      () => guarded(work),
      () => {
        setNotice(message);
        onChanged();
        void reload();
      },
    );

  if (!user) return <aside className="detail">{action.error && <p className="form-error">{action.error}</p>}</aside>;
  const self = user.id === selfId;
  return (
    <aside className="detail" aria-labelledby="detail-title">
      <div className="detail-head">
        <h2 id="detail-title">{user.displayName}</h2>
        <button type="button" className="secondary small" onClick={onClose} aria-label={t('admin.close')}>
          ✕
        </button>
      </div>
      <p className="muted">
        {t(user.role === 'admin' ? 'dashboard.role.admin' : 'dashboard.role.user')} · #{user.id} · {user.disabledAt ? t('admin.users.disabled') : t('admin.users.active')}
      </p>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          void change(() => api.updateUser(user.id, { displayName: name }), t('admin.saved'));
        }}
      >
        <label>
          {t('admin.users.name')}
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="secondary" disabled={action.busy || name.trim() === user.displayName}>
          {t('admin.users.rename')}
        </button>
      </form>
      <div className="row">
        <label>
          {t('admin.users.role')}
          <select value={user.role} disabled={action.busy} onChange={(e) => void change(() => api.updateUser(user.id, { role: e.target.value as 'user' | 'admin' }), t('admin.saved'))}>
            <option value="user">{t('dashboard.role.user')}</option>
            <option value="admin">{t('dashboard.role.admin')}</option>
          </select>
        </label>
        {user.disabledAt ? (
          <button type="button" className="secondary" onClick={() => void change(() => api.enableUser(user.id), t('admin.users.enabledNotice'))}>
            {t('admin.users.enable')}
          </button>
        ) : (
          <DangerButton
            disabled={self}
            label={t('admin.users.disable')}
            question={t('admin.users.disableConfirm', { name: user.displayName })}
            onConfirmed={() => change(() => api.disableUser(user.id), t('admin.users.disabledNotice'))}
          />
        )}
        <DangerButton
          label={t('admin.users.endSessions')}
          question={t('admin.users.endSessionsConfirm', { name: user.displayName })}
          onConfirmed={() => change(() => api.endSessionsOf(user.id), t('admin.users.endSessionsNotice'))}
        />
      </div>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          const problem = typedPinProblem(pin);
          if (problem) return action.setError(t(problem));
          void change(() => api.setPin(user.id, pin), t('admin.users.pinSetNotice')).then(() => setPin(''));
        }}
      >
        <label>
          {user.pinLocked ? t('admin.users.pinLockedSet') : user.pinSet ? t('admin.users.newPin') : t('admin.users.setPin')}
          <input inputMode="numeric" type="password" autoComplete="off" maxLength={8} value={pin} onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))} />
        </label>
        <button type="submit" className="secondary" disabled={pin.length < 4}>
          {t('admin.users.savePin')}
        </button>
        {user.pinSet && user.role !== 'admin' && (
          <button type="button" className="secondary" onClick={() => void change(() => api.clearPin(user.id), t('admin.users.pinClearedNotice'))}>
            {t('admin.users.clearPin')}
          </button>
        )}
      </form>
      {notice && !action.error && <p className="form-ok" role="status">{notice}</p>}
      <ErrorLine error={action.error} />

      <h3>{t('admin.badges.title')}</h3>
      <table className="data compact">
        <thead>
          <tr>
            <th>{t('admin.badges.uid')}</th>
            <th>{t('admin.badges.label')}</th>
            <th>{t('admin.badges.lastUsed')}</th>
            <th>{t('admin.users.status')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {badges.map((badge) => (
            <BadgeRow key={badge.id} badge={badge} dateTime={dateTime} onRevoke={(reason) => change(() => api.revokeBadge(badge.id, reason), t('admin.badges.revokedNotice', { uid: badge.uid }))} />
          ))}
          {badges.length === 0 && (
            <EmptyRow columns={5} text={t('admin.badges.none')} />
          )}
        </tbody>
      </table>
      <div className="row">
        <button type="button" className="primary" onClick={() => setEnrolling(enrolling === 'reader' ? undefined : 'reader')}>
          {t('admin.enroll.atReader')}
        </button>
        <button type="button" className="secondary" onClick={() => setEnrolling(enrolling === 'uid' ? undefined : 'uid')}>
          {t('admin.badges.byUid')}
        </button>
      </div>
      {enrolling === 'reader' && <EnrollAtReader forUser={user} onDone={() => (onChanged(), void reload())} onClose={() => setEnrolling(undefined)} />}
      {enrolling === 'uid' && <EnrollByUid userId={user.id} onDone={() => (onChanged(), void reload())} />}
    </aside>
  );
}

function BadgeRow({ badge, dateTime, onRevoke }: { badge: BadgeSummary; dateTime(iso: string | null): string; onRevoke(reason: RevokeReason): Promise<unknown> }) {
  const { t } = useI18n();
  const [reason, setReason] = useState<RevokeReason>('lost');
  return (
    <tr className={badge.revokedAt ? 'revoked' : undefined}>
      <td className="mono">
        {badge.uid}
        {badge.hasSecret && <span className="pill">{t('admin.badges.secret')}</span>}
      </td>
      <td>{badge.label ?? ''}</td>
      <td>{dateTime(badge.lastUsedAt)}</td>
      <td>{badge.revokedAt ? `${t('admin.badges.revoked')} (${t(`admin.reason.${badge.revokeReason as RevokeReason}`) || badge.revokeReason})` : t('admin.users.active')}</td>
      <td>
        {!badge.revokedAt && (
          <span className="row tight">
            <select aria-label={t('admin.badges.reason')} value={reason} onChange={(e) => setReason(e.target.value as RevokeReason)}>
              {REVOKE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`admin.reason.${r}`)}
                </option>
              ))}
            </select>
            <DangerButton
              small
              label={t('admin.badges.revoke')}
              question={t('admin.badges.revokeConfirm', { uid: badge.uid })}
              onConfirmed={() => onRevoke(reason)}
            />
          </span>
        )}
      </td>
    </tr>
  );
}

/** Enrolls a badge by typing its UID (no reader at hand); a generated secret is shown this once. */
function EnrollByUid({ userId, onDone }: { userId: number; onDone(): void }) {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const [uid, setUid] = useState('');
  const [withSecret, setWithSecret] = useState(false);
  const [enrolled, setEnrolled] = useState<EnrolledBadge | undefined>();
  const action = useAction();
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        const problem = typedUidProblem(uid);
        if (problem) return action.setError(t(problem));
        void action.run(
          () => guarded(() => api.enrollBadge(userId, { uid, withSecret })),
          (badge) => {
            setEnrolled(badge);
            setUid('');
            onDone();
          },
        );
      }}
    >
      <div className="row">
        <label>
          {t('admin.badges.uid')}
          <input className="mono" value={uid} maxLength={64} placeholder="04:A1:B2:C3:D4:E5:F6" onChange={(e) => setUid(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={withSecret} onChange={(e) => setWithSecret(e.target.checked)} />
          {t('admin.badges.generateSecret')}
        </label>
        <button type="submit" className="primary" disabled={action.busy || uid.trim() === ''}>
          {t('admin.badges.add')}
        </button>
      </div>
      {enrolled && (
        <p className="form-ok" role="status">
          {enrolled.secret ? t('admin.badges.addedSecret', { uid: enrolled.uid, secret: enrolled.secret }) : t('admin.badges.added', { uid: enrolled.uid })}
        </p>
      )}
      <ErrorLine error={action.error} />
    </form>
  );
}
