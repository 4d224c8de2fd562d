import { useState, type FormEvent } from 'react';
import { ApiError, type KioskAppMode } from '../bridge/types.ts';
import { LanguageSwitch, useI18n } from '../i18n/i18n.tsx';

type Problem = { key: 'firstStart.badUrl' | 'firstStart.unreachable' | 'firstStart.redirects' | 'firstStart.notTapin' | 'firstStart.failed'; detail?: string; from?: KioskAppMode['mode'] };

const problemOf = (error: unknown): Problem => {
  if (!(error instanceof ApiError)) return { key: 'firstStart.failed' };
  if (error.code === 'INVALID_REQUEST') return { key: 'firstStart.badUrl' };
  if (error.code === 'SERVER_UNREACHABLE') return { key: 'firstStart.unreachable', detail: error.message };
  if (error.code === 'SERVER_REDIRECTS') return { key: 'firstStart.redirects', detail: error.message };
  if (error.code === 'NOT_A_TAPIN_SERVER') return { key: 'firstStart.notTapin', detail: error.message };
  return { key: 'firstStart.failed', detail: error.message };
};

/** `tapin.example.org` is taken as https://tapin.example.org: what a person types is rarely the scheme. */
const withScheme = (typed: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `https://${typed}`);

/**
 * The kiosk app's first start: one question, asked once — this computer on its own, or one kiosk of a
 * site's TapIn server. The app restarts in the chosen mode (the server is checked to be TapIn first).
 */
export function FirstStartScreen({ choose }: { choose(mode: KioskAppMode): Promise<void> }) {
  const { t } = useI18n();
  const [server, setServer] = useState('');
  const [busy, setBusy] = useState<'standalone' | 'joined' | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [restarting, setRestarting] = useState(false);

  const answer = (mode: KioskAppMode) => {
    setBusy(mode.mode);
    setProblem(undefined);
    choose(mode).then(
      () => setRestarting(true),
      (error: unknown) => {
        setProblem({ ...problemOf(error), from: mode.mode });
        setBusy(undefined);
      },
    );
  };
  const join = (event: FormEvent) => {
    event.preventDefault();
    const typed = server.trim();
    if (typed) answer({ mode: 'joined', server: withScheme(typed) });
  };

  return (
    <div className="kiosk">
      <header className="kiosk-header">
        <span className="brand">TapIn</span>
        <span className="kiosk-name" />
        <LanguageSwitch />
      </header>
      {restarting ? (
        <main className="first-start" aria-busy="true">
          <h1>{t('firstStart.restarting')}</h1>
        </main>
      ) : (
        <main className="first-start" aria-labelledby="first-start-title">
          <h1 id="first-start-title">{t('firstStart.title')}</h1>
          <p className="first-start-lead">{t('firstStart.lead')}</p>
          <div className="first-start-choices">
            <section className="first-start-choice" aria-labelledby="choice-standalone">
              <h2 id="choice-standalone">{t('firstStart.standalone.title')}</h2>
              <p>{t('firstStart.standalone.body')}</p>
              {problem?.from === 'standalone' && <ProblemLine problem={problem} />}
              <button type="button" className="primary" disabled={busy !== undefined} onClick={() => answer({ mode: 'standalone' })}>
                {busy === 'standalone' ? t('firstStart.working') : t('firstStart.standalone.action')}
              </button>
            </section>
            <form className="first-start-choice" aria-labelledby="choice-joined" onSubmit={join}>
              <h2 id="choice-joined">{t('firstStart.joined.title')}</h2>
              <p>{t('firstStart.joined.body')}</p>
              <label>
                {t('firstStart.joined.url')}
                <input
                  type="text"
                  inputMode="url"
                  autoComplete="url"
                  spellCheck={false}
                  placeholder="https://tapin.example.org"
                  value={server}
                  maxLength={300}
                  disabled={busy !== undefined}
                  aria-invalid={problem?.from === 'joined' && problem.key !== 'firstStart.failed'}
                  aria-describedby={problem?.from === 'joined' ? 'first-start-problem' : undefined}
                  onChange={(event) => setServer(event.target.value)}
                />
              </label>
              {problem?.from === 'joined' && <ProblemLine problem={problem} />}
              <button type="submit" className="primary" disabled={busy !== undefined || server.trim() === ''}>
                {busy === 'joined' ? t('firstStart.checking') : t('firstStart.joined.action')}
              </button>
            </form>
          </div>
        </main>
      )}
    </div>
  );
}

/** What went wrong with an answer, in the card it was given in; the server's own words below, for whoever fixes it. */
function ProblemLine({ problem }: { problem: Problem }) {
  const { t } = useI18n();
  return (
    <div className="first-start-problem" id="first-start-problem" role="alert">
      <p>{t(problem.key)}</p>
      {problem.detail && <p className="first-start-detail">{problem.detail}</p>}
    </div>
  );
}
