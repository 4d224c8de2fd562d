import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { ReaderEnrolled, ReaderInfo, UserSummary } from './admin-api.ts';
import { useAction, useAdmin } from './admin-context.tsx';
import { ErrorLine } from './controls.tsx';

type Target = { kind: 'existing'; user?: { id: number; displayName: string } } | { kind: 'new'; displayName: string; role: 'user' | 'admin' };

/**
 * "Enroll a badge": for an existing user or a new one, waits for the next badge on the desk reader,
 * then shows its UID and whose it now is. Optionally writes a fresh secret onto the tag.
 */
export function EnrollAtReader({ forUser, onDone, onClose }: { forUser?: { id: number; displayName: string }; onDone(userId: number): void; onClose(): void }) {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const [reader, setReader] = useState<ReaderInfo | undefined>();
  const [target, setTarget] = useState<Target>(forUser ? { kind: 'existing', user: forUser } : { kind: 'existing' });
  const [withSecret, setWithSecret] = useState(true);
  const [label, setLabel] = useState('');
  const [waiting, setWaiting] = useState(false);
  const [done, setDone] = useState<ReaderEnrolled | undefined>();
  const action = useAction();

  useEffect(() => {
    void api.reader().then(setReader, () => setReader(undefined));
  }, [api]);
  // Leaving the screen calls off a wait, so that the next tap signs someone in again.
  useEffect(() => () => void api.cancelEnrollment().catch(() => undefined), [api]);

  const start = () => {
    const who =
      target.kind === 'existing'
        ? target.user && { userId: target.user.id }
        : { newUser: { displayName: target.displayName, role: target.role } };
    if (!who) return;
    setDone(undefined);
    setWaiting(true);
    void action
      .run(
        () => guarded(() => api.enrollAtReader({ ...who, withSecret, ...(label.trim() ? { label: label.trim() } : {}) })),
        (enrolled) => {
          setDone(enrolled);
          // Another badge for the same person next, not a second new user of the same name.
          if (!forUser) setTarget({ kind: 'existing', user: enrolled.user });
          onDone(enrolled.user.id);
        },
      )
      .finally(() => setWaiting(false));
  };

  const attached = reader?.attached ?? false;
  return (
    <section className="inline-form enroll" aria-labelledby="enroll-title">
      <h2 id="enroll-title">{t('admin.enroll.title')}</h2>
      {reader && !attached && <p className="form-error">{t('admin.enroll.noReader')}</p>}
      {!forUser && (
        <div className="choice" role="radiogroup" aria-label={t('admin.enroll.for')}>
          <label>
            <input type="radio" checked={target.kind === 'existing'} onChange={() => setTarget({ kind: 'existing' })} disabled={waiting} />
            {t('admin.enroll.existing')}
          </label>
          <label>
            <input type="radio" checked={target.kind === 'new'} onChange={() => setTarget({ kind: 'new', displayName: '', role: 'user' })} disabled={waiting} />
            {t('admin.enroll.new')}
          </label>
        </div>
      )}
      {target.kind === 'existing' && !forUser && <UserPicker value={target.user} onPick={(user) => setTarget({ kind: 'existing', user })} disabled={waiting} />}
      {forUser && <p>{t('admin.enroll.forUser', { name: forUser.displayName })}</p>}
      {target.kind === 'new' && (
        <div className="row">
          <label>
            {t('admin.users.name')}
            <input value={target.displayName} maxLength={100} disabled={waiting} onChange={(e) => setTarget({ ...target, displayName: e.target.value })} />
          </label>
          <label>
            {t('admin.users.role')}
            <select value={target.role} disabled={waiting} onChange={(e) => setTarget({ ...target, role: e.target.value as 'user' | 'admin' })}>
              <option value="user">{t('dashboard.role.user')}</option>
              <option value="admin">{t('dashboard.role.admin')}</option>
            </select>
          </label>
        </div>
      )}
      <div className="row">
        <label>
          {t('admin.badges.label')}
          <input value={label} maxLength={100} disabled={waiting} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={withSecret} disabled={waiting} onChange={(e) => setWithSecret(e.target.checked)} />
          {t('admin.enroll.withSecret')}
        </label>
      </div>
      {waiting ? (
        <div className="waiting" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('admin.enroll.waiting')}
          <button type="button" className="secondary" onClick={() => void api.cancelEnrollment().catch(() => undefined)}>
            {t('admin.cancel')}
          </button>
        </div>
      ) : (
        <div className="form-actions">
          <button type="button" className="secondary" onClick={onClose}>
            {t('admin.close')}
          </button>
          <button
            type="button"
            className="primary"
            disabled={!attached || (target.kind === 'existing' ? !target.user : target.displayName.trim() === '')}
            onClick={start}
          >
            {t('admin.enroll.start')}
          </button>
        </div>
      )}
      {done && (
        <p className="form-ok" role="status">
          {t(done.secretWritten ? 'admin.enroll.doneSecret' : 'admin.enroll.done', { uid: done.badge.uid, name: done.user.displayName })}
        </p>
      )}
      <ErrorLine error={action.error} />
    </section>
  );
}

/** Finds a user by name (or badge UID) for the enrollment. */
function UserPicker({ value, onPick, disabled }: { value?: { id: number; displayName: string }; onPick(user: UserSummary): void; disabled: boolean }) {
  const { t } = useI18n();
  const { api } = useAdmin();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<UserSummary[]>([]);
  useEffect(() => {
    if (q.trim() === '') return setFound([]);
    const timer = setTimeout(() => void api.users({ q: q.trim(), status: 'active', limit: 8 }).then((list) => setFound(list.items), () => setFound([])), 200);
    return () => clearTimeout(timer);
  }, [api, q]);
  return (
    <div className="picker">
      <input type="search" aria-label={t('admin.enroll.findUser')} placeholder={t('admin.enroll.findUser')} value={q} disabled={disabled} onChange={(e) => setQ(e.target.value)} />
      {value && <p className="picked">{t('admin.enroll.forUser', { name: value.displayName })}</p>}
      {found.length > 0 && !disabled && (
        <ul className="picker-results">
          {found.map((user) => (
            <li key={user.id}>
              <button type="button" className="link" onClick={() => (onPick(user), setQ(''))}>
                {user.displayName}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
