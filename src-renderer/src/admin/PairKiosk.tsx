import { useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { ApprovedPairing } from './admin-api.ts';
import { useAction, useAdmin } from './admin-context.tsx';

/**
 * Pairs a kiosk by the code on its screen (`XXXX-XXXX`, with or without the dash, any case): the
 * server registers it and the kiosk collects its key by itself, so no key is shown here.
 */
export function PairKiosk({ onPaired }: { onPaired(kiosk: ApprovedPairing): void }) {
  const { t } = useI18n();
  const { api, guarded } = useAdmin();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [where, setWhere] = useState('');
  const [paired, setPaired] = useState<ApprovedPairing | undefined>();
  const action = useAction();
  const ready = code.trim() !== '' && name.trim() !== '';
  return (
    <form
      className="pair-kiosk"
      aria-label={t('admin.kiosks.pair')}
      onSubmit={(event) => {
        event.preventDefault();
        setPaired(undefined);
        void action.run(
          () => guarded(() => api.approvePairing({ code: code.trim(), name, ...(where.trim() ? { location: where } : {}) })),
          (kiosk) => (setPaired(kiosk), onPaired(kiosk), setCode(''), setName(''), setWhere('')),
        );
      }}
    >
      <h2>{t('admin.kiosks.pair')}</h2>
      <p className="hint">{t('admin.kiosks.pairHint')}</p>
      <div className="toolbar">
        <input
          className="pair-code-input"
          aria-label={t('admin.kiosks.code')}
          placeholder="XXXX-XXXX"
          value={code}
          maxLength={32}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          onChange={(e) => (setCode(e.target.value), action.setError(undefined), setPaired(undefined))}
        />
        <input aria-label={t('admin.kiosks.name')} placeholder={t('admin.kiosks.name')} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        <input aria-label={t('admin.kiosks.location')} placeholder={t('admin.kiosks.location')} value={where} maxLength={100} onChange={(e) => setWhere(e.target.value)} />
        <button type="submit" className="primary" disabled={action.busy || !ready}>
          {t('admin.kiosks.pairSubmit')}
        </button>
      </div>
      {action.error && (
        <p className="form-error" role="alert">
          {action.error}
        </p>
      )}
      {paired && !action.error && (
        <p className="form-ok" role="status">
          {t('admin.kiosks.paired', { name: paired.name })}
        </p>
      )}
    </form>
  );
}
