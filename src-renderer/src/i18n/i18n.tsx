import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { format, messages, preferredLanguage, type Language, type MessageKey } from './messages.ts';

interface I18n {
  language: Language;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  toggle(): void;
}

const I18nContext = createContext<I18n | undefined>(undefined);
const STORAGE_KEY = 'tapin.language';

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguage] = useState<Language>(() => {
    const saved = localStorage.getItem(STORAGE_KEY);
    return saved === 'fr' || saved === 'en' ? saved : preferredLanguage(navigator.languages);
  });
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(
    () => ({
      language,
      t: (key, values) => format(messages[language][key], values),
      toggle: () =>
        setLanguage((current) => {
          const next = current === 'en' ? 'fr' : 'en';
          localStorage.setItem(STORAGE_KEY, next);
          return next;
        }),
    }),
    [language],
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
