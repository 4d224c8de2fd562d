import { useI18n } from '../i18n/i18n.tsx';
import { useNow } from '../use-now.ts';

/** The server cannot be reached: said over the whole screen, with when the kiosk tries again. */
export function UnreachableScreen({ retryAt }: { retryAt: number | undefined }) {
  const { t } = useI18n();
  const now = useNow(500);
  const seconds = retryAt === undefined ? 0 : Math.ceil((retryAt - now) / 1000);
  return (
    <main className="unreachable-screen" aria-labelledby="unreachable-title">
      <h1 id="unreachable-title">{t('kiosk.unreachable.title')}</h1>
      <p className="unreachable-body">{t('kiosk.unreachable.body')}</p>
      <p className="countdown" role="status" aria-live="polite">
        {seconds > 0 ? t('kiosk.unreachable.next', { seconds }) : t('kiosk.unreachable.now')}
      </p>
    </main>
  );
}
