import { useI18n } from '../i18n/i18n.tsx';
import type { KioskSummary } from './admin-api.ts';
import { useDateTime } from './table.tsx';

const MINUTE = 60_000;

/** "5 min ago", "3 h ago", "2 days ago" in the console's language; a date past a week. */
function useAgo(): (iso: string) => string {
  const { t } = useI18n();
  const dateTime = useDateTime();
  return (iso) => {
    const elapsed = Date.now() - Date.parse(iso);
    if (elapsed < MINUTE) return t('admin.kiosks.justNow');
    const format = new Intl.RelativeTimeFormat(document.documentElement.lang === 'fr' ? 'fr-FR' : 'en-GB', { style: 'short', numeric: 'always' });
    if (elapsed < 60 * MINUTE) return format.format(-Math.floor(elapsed / MINUTE), 'minute');
    if (elapsed < 24 * 60 * MINUTE) return format.format(-Math.floor(elapsed / (60 * MINUTE)), 'hour');
    if (elapsed < 7 * 24 * 60 * MINUTE) return format.format(-Math.floor(elapsed / (24 * 60 * MINUTE)), 'day');
    return dateTime(iso);
  };
}

/** A status dot and "Online", or "Offline · last seen 5 min ago" (the exact time on hover). */
export function KioskConnection({ kiosk }: { kiosk: KioskSummary }) {
  const { t } = useI18n();
  const dateTime = useDateTime();
  const ago = useAgo();
  const seen = kiosk.lastSeenAt === null ? t('admin.kiosks.neverSeen') : t('admin.kiosks.lastSeenAgo', { ago: ago(kiosk.lastSeenAt) });
  return (
    <span className={kiosk.online ? 'presence online' : 'presence offline'} title={kiosk.lastSeenAt === null ? undefined : dateTime(kiosk.lastSeenAt)}>
      <span className="dot" aria-hidden="true" />
      {kiosk.online ? t('admin.kiosks.online') : `${t('admin.kiosks.offline')} · ${seen}`}
    </span>
  );
}

/** The kiosk's desk reader in words. */
export function KioskReader({ kiosk }: { kiosk: KioskSummary }) {
  const { t } = useI18n();
  const state = kiosk.readerState;
  return <span className={state === 'ready' || state === 'card-present' ? 'reader-state good' : 'reader-state'}>{t(state === null ? 'admin.kiosks.reader.none' : `admin.kiosks.reader.${state}`)}</span>;
}
