import { useAdmin } from './admin-context.tsx';

/** A failed call's message, where forms and panels show it. */
export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A destructive action: asks `question` in the page first, then does it. */
export function DangerButton({ label, question, onConfirmed, small = false, disabled = false }: { label: string; question: string; onConfirmed(): unknown; small?: boolean; disabled?: boolean }) {
  const { confirm } = useAdmin();
  return (
    <button
      type="button"
      className={small ? 'danger small' : 'danger'}
      disabled={disabled}
      onClick={async () => {
        if (await confirm(question, label)) await onConfirmed();
      }}
    >
      {label}
    </button>
  );
}

/** The one row of a table with nothing to list. */
export function EmptyRow({ columns, text }: { columns: number; text: string }) {
  return (
    <tr>
      <td colSpan={columns} className="empty">
        {text}
      </td>
    </tr>
  );
}
