import { useMemo, useState } from 'react';

export type SortOrder = 'asc' | 'desc';

/** A column header that sorts by its key: a click sorts by it, a second click reverses. */
export function SortHeader<K extends string>({ label, column, sort, onSort }: { label: string; column: K; sort: { by: K; order: SortOrder }; onSort(by: K): void }) {
  const active = sort.by === column;
  return (
    <th aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true">{active ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

/** Sort state with the "click again to reverse" rule. */
export function useSortState<K extends string>(initial: K, order: SortOrder = 'asc') {
  const [sort, setSort] = useState({ by: initial, order });
  const onSort = (by: K) => setSort((current) => ({ by, order: current.by === by && current.order === 'asc' ? 'desc' : 'asc' }));
  return { sort, onSort };
}

/** Rows sorted in the page by one of their fields (for the short lists: kiosks, sessions). */
export function useSorted<T, K extends string>(rows: readonly T[], sort: { by: K; order: SortOrder }, value: (row: T, by: K) => string | number | null) {
  return useMemo(() => {
    const sign = sort.order === 'asc' ? 1 : -1;
    return [...rows].sort((a, b) => {
      const x = value(a, sort.by) ?? '';
      const y = value(b, sort.by) ?? '';
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { sensitivity: 'base' })) * sign;
    });
    // `value` is a stable projection written inline by callers.
  }, [rows, sort.by, sort.order]);
}

/** A date and time in the console's language. */
export function useDateTime(): (iso: string | null) => string {
  return (iso) => (iso ? new Date(iso).toLocaleString(document.documentElement.lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');
}
