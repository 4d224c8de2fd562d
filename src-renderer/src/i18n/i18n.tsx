import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { format, preferredLanguage, type Language, type Messages, type MessageKey } from './messages.ts';

interface I18n {
  language: Language;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  toggle(): void;
  /** The strings this part of the page has (its page's, plus those of a lazily loaded part). */
  messages: Messages;
}

const I18nContext = createContext<I18n | undefined>(undefined);
const STORAGE_KEY = 'tapin.language';

function i18n(language: Language, messages: Messages, toggle: () => void): I18n {
  // A key missing from this page's strings shows as itself rather than breaking the screen.
  return { language, messages, toggle, t: (key, values) => format(messages[language][key] ?? key, values) };
}

/** The language and strings of a page (`messages`: that page's own, see messages.ts). */
export function I18nProvider({ messages, children }: { messages: Messages; children: ReactNode }) {
  const [language, setLanguage] = useState<Language>(() => {
    const saved = localStorage.getItem(STORAGE_KEY);
    return saved === 'fr' || saved === 'en' ? saved : preferredLanguage(navigator.languages);
  });
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo(
    () =>
      i18n(language, messages, () =>
        setLanguage((current) => {
          const next = current === 'en' ? 'fr' : 'en';
          localStorage.setItem(STORAGE_KEY, next);
          return next;
        }),
      ),
    [language, messages],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** Adds the strings of a lazily loaded part of a page (the admin console) for its own subtree. */
export function MoreMessages({ messages, children }: { messages: Messages; children: ReactNode }) {
  const page = useI18n();
  const value = useMemo(
    () => i18n(page.language, { en: { ...page.messages.en, ...messages.en }, fr: { ...page.messages.fr, ...messages.fr } }, page.toggle),
    [page, messages],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error('useI18n outside I18nProvider');
  return context;
}

export function LanguageSwitch() {
  const { t, toggle } = useI18n();
  return (
    <button type="button" className="language-switch" onClick={toggle}>
      {t('lang.switch')}
    </button>
  );
}
