import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../errors.ts';

/**
 * The people file, read by `tapin import` and the console's import, written by export: one row per
 * badge (a person with no badge has one row with empty badge cells, several badges take several rows
 * with the same external_id). `id` is TapIn's own user id: written by export, optional on import.
 */
export const PEOPLE_COLUMNS = ['external_id', 'name', 'role', 'badge_uid', 'badge_label', 'disabled', 'id'] as const;
export type PeopleColumn = (typeof PEOPLE_COLUMNS)[number];

export interface PeopleCsvRow {
  /** The line of the file the row starts on (the header is line 1). */
  line: number;
  /** Trimmed cells, formula escapes removed; a column absent from the header is absent here. */
  cells: Partial<Record<PeopleColumn, string>>;
  /** Set when the row has another number of cells than the header. */
  shapeProblem?: string;
}

// OWASP "CSV injection": a spreadsheet evaluates a cell starting with one of these as a formula.
const FORMULA_START = /^'*[=+\-@\t\r]/;

/** Prefixes a cell a spreadsheet would evaluate with a quote (and one that already starts with quotes, so that import can undo it). */
export function escapeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** The inverse of escapeFormula: names are data, and come back as they were exported. */
export function unescapeFormula(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

const HEADER_HELP = `the first row must name the columns: external_id,name and optionally ${PEOPLE_COLUMNS.slice(2).join(', ')}`;

function readHeader(record: string[] | undefined): PeopleColumn[] {
  if (!record || record.every((cell) => cell.trim() === '')) throw new AppError('INVALID_REQUEST', `the file is empty; ${HEADER_HELP}`);
  const columns = record.map((cell) => cell.trim().toLowerCase());
  for (const [index, column] of columns.entries()) {
    if (!(PEOPLE_COLUMNS as readonly string[]).includes(column)) throw new AppError('INVALID_REQUEST', `unknown column "${record[index]?.slice(0, 40)}" in the header; ${HEADER_HELP}`);
    if (columns.indexOf(column) !== index) throw new AppError('INVALID_REQUEST', `the header names the column "${column}" twice`);
  }
  if (!columns.includes('external_id') && !columns.includes('id')) throw new AppError('INVALID_REQUEST', `the header has no external_id column; ${HEADER_HELP}`);
  return columns as PeopleColumn[];
}

/** Reads a people file: throws INVALID_REQUEST for a file that cannot be read as one (bad CSV, bad header). */
export function parsePeopleCsv(text: string): PeopleCsvRow[] {
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    throw new AppError('INVALID_REQUEST', `not a readable CSV file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const columns = readHeader(records[0]?.record);
  const bytes = Buffer.from(text, 'utf8');
  let line = 1;
  let offset = 0;
  const rows: PeopleCsvRow[] = [];
  for (const [index, { record, info }] of records.entries()) {
    // csv-parse counts bytes, not lines: a record starts after every line break before its first byte.
    const start = line;
    for (let i = bytes.indexOf(0x0a, offset); i !== -1 && i < info.bytes; i = bytes.indexOf(0x0a, i + 1)) line++;
    offset = info.bytes;
    if (index === 0 || record.every((cell) => cell.trim() === '')) continue;
    const cells: PeopleCsvRow['cells'] = {};
    for (const [position, column] of columns.entries()) cells[column] = unescapeFormula((record[position] ?? '').trim());
    rows.push({ line: start, cells, ...(record.length === columns.length ? {} : { shapeProblem: `the row has ${record.length} cells, the header ${columns.length}` }) });
  }
  return rows;
}

/** Writes a people file (header first); every cell a spreadsheet could take for a formula is escaped. */
export function stringifyPeopleCsv(rows: Record<PeopleColumn, string>[]): string {
  return stringify(
    rows.map((row) => PEOPLE_COLUMNS.map((column) => escapeFormula(row[column]))),
    { header: true, columns: [...PEOPLE_COLUMNS], record_delimiter: 'unix' },
  );
}
