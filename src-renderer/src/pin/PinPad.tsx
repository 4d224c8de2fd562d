import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

const MIN = 4;
const MAX = 8;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'] as const;

export interface PinPadProps {
  title: string;
  hint?: string;
  /** Shown under the dots: what went wrong with the last PIN. */
  problem?: string;
  busy?: boolean;
  submitLabel?: string;
  onSubmit(pin: string): void;
  onCancel?(): void;
}

/**
 * A PIN entry for a touch screen and a keyboard alike: the digits never show, only as many dots. The
 * typed PIN is cleared after each try (and whenever the pad closes), so none lingers in the page.
 */
export function PinPad({ title, hint, problem, busy = false, submitLabel, onSubmit, onCancel }: PinPadProps) {
  const { t } = useI18n();
  const [pin, setPin] = useState('');

  const press = (key: (typeof KEYS)[number]) => {
    if (busy) return;
    if (key === 'back') setPin((p) => p.slice(0, -1));
    else if (key === 'clear') setPin('');
    else setPin((p) => (p.length < MAX ? p + key : p));
  };
  const submit = () => {
    if (busy || pin.length < MIN) return;
    onSubmit(pin);
    setPin('');
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (/^[0-9]$/.test(event.key)) press(event.key as (typeof KEYS)[number]);
      else if (event.key === 'Backspace') press('back');
      else if (event.key === 'Enter') submit();
      else if (event.key === 'Escape') onCancel?.();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <div className="pin-pad" role="dialog" aria-modal="true" aria-labelledby="pin-title">
      <h2 id="pin-title">{title}</h2>
      {hint && <p className="pin-hint">{hint}</p>}
      <div className="pin-dots" aria-label={t('pin.typed', { count: pin.length })} role="status">
        {Array.from({ length: Math.max(MIN, pin.length) }, (_, i) => (
          <span key={i} className={i < pin.length ? 'dot filled' : 'dot'} />
        ))}
      </div>
      <p className="pin-problem" role="alert">
        {problem ?? ''}
      </p>
      <div className="pin-keys">
        {KEYS.map((key) => (
          <button key={key} type="button" className={`pin-key ${key}`} disabled={busy} onClick={() => press(key)} aria-label={key === 'back' ? t('pin.back') : key === 'clear' ? t('pin.clear') : key}>
            {key === 'back' ? '⌫' : key === 'clear' ? t('pin.clear') : key}
          </button>
        ))}
      </div>
      <div className="pin-actions">
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            {t('pin.cancel')}
          </button>
        )}
        <button type="button" className="primary" disabled={busy || pin.length < MIN} onClick={submit}>
          {busy ? t('pin.checking') : (submitLabel ?? t('pin.submit'))}
        </button>
      </div>
    </div>
  );
}
