import { useCallback, useMemo, useRef, useState } from 'react';
import { ApiError, type SignedIn, type UserTransport } from '../bridge/types.ts';
import { adminMessages } from '../i18n/admin-messages.ts';
import { MoreMessages, useI18n } from '../i18n/i18n.tsx';
import { PinPad } from '../pin/PinPad.tsx';
import { adminApi } from './admin-api.ts';
import { AdminContext, Cancelled, typedPinProblem, useErrorText, type AdminContextValue } from './admin-context.tsx';
import { AuditPanel } from './AuditPanel.tsx';
import { KiosksPanel } from './KiosksPanel.tsx';
import { SessionsPanel } from './SessionsPanel.tsx';
import { UsersPanel } from './UsersPanel.tsx';
import '../styles/console.css';

const TABS = ['users', 'kiosks', 'sessions', 'audit'] as const;
type Tab = (typeof TABS)[number];

type PinAsk = { kind: 'step-up' | 'set-pin'; problem?: string; resolve(): void; reject(error: unknown): void };
type ConfirmAsk = { question: string; action: string; resolve(ok: boolean): void };

export interface AdminConsoleProps {
  transport: UserTransport;
  signedIn: SignedIn;
  onClose?: () => void;
}

/** The console with its own strings, which its page does not carry (it is loaded lazily, with them). */
export function AdminConsole(props: AdminConsoleProps) {
  return (
    <MoreMessages messages={adminMessages}>
      <Console {...props} />
    </MoreMessages>
  );
}

/**
 * The administrator's console: users and badges, kiosks, live sessions, the audit log. Every change
 * goes through `guarded`, which asks for the PIN when the last confirmation is older than 5 minutes.
 */
function Console({ transport, signedIn, onClose }: AdminConsoleProps) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const api = useMemo(() => adminApi(transport, signedIn.accessToken), [transport, signedIn.accessToken]);
  const [tab, setTab] = useState<Tab>('users');
  const [pinAsk, setPinAsk] = useState<PinAsk | undefined>();
  const [pinBusy, setPinBusy] = useState(false);
  const [confirmAsk, setConfirmAsk] = useState<ConfirmAsk | undefined>();
  const asking = useRef<Promise<void> | undefined>(undefined);

  const askPin = useCallback((kind: PinAsk['kind']) => {
    // Several changes at once share one prompt.
    asking.current ??= new Promise<void>((resolve, reject) => setPinAsk({ kind, resolve, reject })).finally(() => {
      asking.current = undefined;
    });
    return asking.current;
  }, []);

  const value = useMemo<AdminContextValue>(
    () => ({
      api,
      async guarded(work) {
        try {
          return await work();
        } catch (error) {
          if (!(error instanceof ApiError) || (error.code !== 'STEP_UP_REQUIRED' && error.code !== 'PIN_NOT_SET')) throw error;
          await askPin(error.code === 'PIN_NOT_SET' ? 'set-pin' : 'step-up');
          return work();
        }
      },
      confirm: (question, action) => new Promise<boolean>((resolve) => setConfirmAsk({ question, action, resolve })),
    }),
    [api, askPin],
  );

  const answerPin = async (pin: string) => {
    if (!pinAsk) return;
    const problem = pinAsk.kind === 'set-pin' ? typedPinProblem(pin) : undefined;
    if (problem) {
      setPinAsk({ ...pinAsk, problem: t(problem) });
      return;
    }
    setPinBusy(true);
    try {
      if (pinAsk.kind === 'set-pin') await api.setOwnPin(pin);
      else await api.stepUp(pin);
      pinAsk.resolve();
      setPinAsk(undefined);
    } catch (error) {
      setPinAsk({ ...pinAsk, problem: errorText(error) });
    } finally {
      setPinBusy(false);
    }
  };

  return (
    <AdminContext.Provider value={value}>
      <main className="console" aria-labelledby="console-title">
        <div className="console-top">
          <h1 id="console-title">{t('admin.title')}</h1>
          <nav className="console-tabs" role="tablist">
            {TABS.map((name) => (
              <button key={name} type="button" role="tab" aria-selected={tab === name} className={tab === name ? 'tab active' : 'tab'} onClick={() => setTab(name)}>
                {t(`admin.tab.${name}`)}
              </button>
            ))}
          </nav>
          {onClose && (
            <button type="button" className="secondary" onClick={onClose}>
              {t('admin.close')}
            </button>
          )}
        </div>
        <section className="console-body" role="tabpanel">
          {tab === 'users' && <UsersPanel selfId={signedIn.user.id} />}
          {tab === 'kiosks' && <KiosksPanel />}
          {tab === 'sessions' && <SessionsPanel />}
          {tab === 'audit' && <AuditPanel />}
        </section>
      </main>
      {pinAsk && (
        <div className="modal-backdrop">
          <PinPad
            title={t(pinAsk.kind === 'set-pin' ? 'admin.setPin.title' : 'admin.stepUp.title')}
            hint={t(pinAsk.kind === 'set-pin' ? 'admin.setPin.hint' : 'admin.stepUp.hint')}
            problem={pinAsk.problem}
            busy={pinBusy}
            onSubmit={(pin) => void answerPin(pin)}
            onCancel={() => {
              pinAsk.reject(new Cancelled());
              setPinAsk(undefined);
            }}
          />
        </div>
      )}
      {confirmAsk && (
        <div className="modal-backdrop">
          <div className="confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-question">
            <p id="confirm-question">{confirmAsk.question}</p>
            <div className="confirm-actions">
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  confirmAsk.resolve(false);
                  setConfirmAsk(undefined);
                }}
              >
                {t('admin.cancel')}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  confirmAsk.resolve(true);
                  setConfirmAsk(undefined);
                }}
              >
                {confirmAsk.action}
              </button>
            </div>
          </div>
        </div>
      )}
    </AdminContext.Provider>
  );
}
