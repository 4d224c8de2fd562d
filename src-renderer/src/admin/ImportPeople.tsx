import { useState } from 'react';
import { ApiError } from '../bridge/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { PEOPLE_CSV_MAX_BYTES, type PeopleImportReport, type PeopleImportRow } from './admin-api.ts';
import { useAction, useAdmin } from './admin-context.tsx';
import { ErrorLine } from './controls.tsx';

type Step = { name: 'choose' } | { name: 'preview'; file: File; csv: string; report: PeopleImportReport } | { name: 'done'; file: File; report: PeopleImportReport };

/** Rows listed at most (a first import may have thousands); refused rows are always listed. */
const LISTED = 300;

const OUTCOME: Record<PeopleImportRow['outcome'], MessageKey> = {
  create: 'admin.import.outcome.create',
  update: 'admin.import.outcome.update',
  unchanged: 'admin.import.outcome.unchanged',
  refused: 'admin.import.outcome.refused',
};

const CHANGE: Record<NonNullable<PeopleImportRow['changes']>[number], MessageKey> = {
  externalId: 'admin.import.change.externalId',
  name: 'admin.import.change.name',
  role: 'admin.import.change.role',
  disabled: 'admin.import.change.disabled',
  badge: 'admin.import.change.badge',
};

/**
 * "Import from CSV…": reads the chosen file in the page, shows what it would change (nothing is written
 * yet), then applies it with the PIN step-up and shows what was done.
 */
export function ImportPeople({ importPeople, onImported, onClose }: { importPeople(csv: string, mode: 'preview' | 'apply'): Promise<PeopleImportReport>; onImported(): void; onClose(): void }) {
  const { t } = useI18n();
  const { guarded } = useAdmin();
  const [step, setStep] = useState<Step>({ name: 'choose' });
  const [inputKey, setInputKey] = useState(0);
  const action = useAction();

  const choose = (file: File | undefined) => {
    setStep({ name: 'choose' });
    if (!file) return;
    if (file.size > PEOPLE_CSV_MAX_BYTES) return action.setError(t('admin.import.tooLarge', { name: file.name }));
    void action.run(
      async () => {
        const csv = await file.text().catch(() => {
          throw new ApiError('FILE_UNREADABLE', 0, t('admin.import.unreadable', { name: file.name }));
        });
        try {
          return { csv, report: await importPeople(csv, 'preview') };
        } catch (error) {
          // A file refused as a whole says why in the server's words (its line, its column).
          if (error instanceof ApiError && (error.code === 'INVALID_REQUEST' || error.code === 'PAYLOAD_TOO_LARGE')) {
            throw new ApiError(error.code, error.status, t('admin.import.refusedFile', { name: file.name, message: error.message }));
          }
          throw error;
        }
      },
      ({ csv, report }) => setStep({ name: 'preview', file, csv, report }),
    );
  };

  const apply = (preview: Extract<Step, { name: 'preview' }>) =>
    void action.run(
      () => guarded(() => importPeople(preview.csv, 'apply')),
      (report) => {
        setStep({ name: 'done', file: preview.file, report });
        onImported();
      },
    );

  const another = () => {
    setStep({ name: 'choose' });
    setInputKey((k) => k + 1);
  };

  return (
    <section className="inline-form people-import" aria-labelledby="import-title">
      <h2 id="import-title">{t('admin.import.title')}</h2>
      {step.name === 'choose' ? (
        <>
          <p className="hint">{t('admin.import.hint')}</p>
          <p className="mono format">external_id,name,role,badge_uid,badge_label,disabled</p>
          <label>
            {t('admin.import.file')}
            <input key={inputKey} type="file" accept=".csv,text/csv" disabled={action.busy} onChange={(e) => choose(e.target.files?.[0])} />
          </label>
          {action.busy && (
            <p className="waiting" role="status">
              <span className="spinner" aria-hidden="true" />
              {t('admin.import.reading')}
            </p>
          )}
          <ErrorLine error={action.error} />
          <div className="form-actions">
            <button type="button" className="secondary" onClick={onClose}>
              {t('admin.close')}
            </button>
          </div>
        </>
      ) : (
        <>
          <ImportReportView file={step.file} report={step.report} />
          <ErrorLine error={action.error} />
          <div className="form-actions">
            {step.name === 'preview' ? (
              <>
                <button type="button" className="secondary" onClick={another} disabled={action.busy}>
                  {t('admin.import.another')}
                </button>
                <button type="button" className="secondary" onClick={onClose} disabled={action.busy}>
                  {t('admin.cancel')}
                </button>
                <button type="button" className="primary" onClick={() => apply(step)} disabled={action.busy || step.report.created + step.report.updated === 0}>
                  {t('admin.import.apply')}
                </button>
              </>
            ) : (
              <>
                <button type="button" className="secondary" onClick={another}>
                  {t('admin.import.another')}
                </button>
                <button type="button" className="primary" onClick={onClose}>
                  {t('admin.close')}
                </button>
              </>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** The totals of a preview or an import, and the rows that change or were refused. */
function ImportReportView({ file, report }: { file: File; report: PeopleImportReport }) {
  const { t, language } = useI18n();
  const preview = report.mode === 'preview';
  const one = (count: number) => (language === 'fr' ? count < 2 : count === 1);
  const listed = report.rows.filter((row) => row.outcome !== 'unchanged');
  const shown = [...listed.filter((row) => row.outcome === 'refused'), ...listed.filter((row) => row.outcome !== 'refused').slice(0, LISTED)].sort((a, b) => a.line - b.line);
  const totals = { create: report.created, update: report.updated, unchanged: report.unchanged, refused: report.refused.length };
  return (
    <>
      <p className="import-file">{t(preview ? 'admin.import.previewOf' : 'admin.import.doneOf', { name: file.name })}</p>
      <p className="import-totals" role="status">
        {t(preview ? 'admin.import.totals' : 'admin.import.totalsDone', totals)}
        {report.badgesEnrolled > 0 && ` ${t(preview ? 'admin.import.badges' : 'admin.import.badgesDone', { count: report.badgesEnrolled })}`}
      </p>
      {report.notInFile > 0 && <p className="muted">{t(one(report.notInFile) ? 'admin.import.notInFile.one' : 'admin.import.notInFile', { count: report.notInFile })}</p>}
      {preview && report.refused.length > 0 && <p className="muted">{t('admin.import.refusedLeftOut')}</p>}
      {listed.length === 0 ? (
        <p className="import-nothing">{t('admin.import.nothing')}</p>
      ) : (
        <table className="data compact import-rows" aria-label={t('admin.import.rows')}>
          <thead>
            <tr>
              <th>{t('admin.import.line')}</th>
              <th>{t('admin.import.externalId')}</th>
              <th>{t('admin.import.outcome')}</th>
              <th>{t('admin.import.details')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.line} className={row.outcome === 'refused' ? 'refused' : undefined}>
                <td className="line">{row.line}</td>
                <td className="mono">{row.externalId ?? '—'}</td>
                <td>
                  <span className={`pill ${row.outcome === 'refused' ? 'bad' : row.outcome === 'create' ? 'good' : 'change'}`}>{t(OUTCOME[row.outcome])}</span>
                </td>
                <td>{row.outcome === 'refused' ? row.reason : (row.changes ?? []).map((change) => t(CHANGE[change])).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown.length < listed.length && <p className="muted">{t('admin.import.more', { count: listed.length - shown.length })}</p>}
    </>
  );
}
