import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { accessSessionService } from '../access/access-session.service.ts';
import { CLI_ACTOR } from '../audit/audit.repository.ts';
import { systemClock } from '../clock.ts';
import { defaultConfig } from '../config.ts';
import { openDatabase, type TapinDb } from '../db/open.ts';
import { AppError } from '../errors.ts';
import { createMemoryBus } from '../realtime/event-bus.ts';
import { peopleService, type PeopleService } from '../people/people.service.ts';
import type { CliIo } from './main.ts';

function parse(args: string[], options: { 'dry-run'?: { type: 'boolean' } }) {
  try {
    const parsed = parseArgs({ args, options: { db: { type: 'string' }, ...options }, strict: true, allowPositionals: true });
    if (parsed.positionals.length > 1) throw new Error(`unexpected argument "${parsed.positionals[1]}"`);
    return { values: parsed.values as { db?: string; 'dry-run'?: boolean }, file: parsed.positionals[0] };
  } catch (error) {
    throw new AppError('INVALID_REQUEST', error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
  }
}

async function withPeople<T>(dbFlag: string | undefined, io: CliIo, work: (people: PeopleService) => Promise<T>): Promise<T> {
  const db: TapinDb = await openDatabase(dbFlag ?? (io.env.TAPIN_DB || defaultConfig.dbPath));
  try {
    const deps = { db, clock: systemClock, bus: createMemoryBus() };
    return await work(peopleService(deps, { endAccessOf: accessSessionService({ ...deps, config: defaultConfig }).endAllOf }));
  } finally {
    await db.destroy();
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new AppError('INVALID_REQUEST', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * `tapin import FILE [--dry-run]`: prints the report as one JSON object (a line on stderr for each
 * refused row); exit 0 when every row was taken, 1 when some were refused (the others applied), 2 when
 * the file cannot be read as a people file.
 */
export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, file } = parse(args, { 'dry-run': { type: 'boolean' } });
  if (file === undefined) throw new AppError('INVALID_REQUEST', 'which file? (tapin import FILE [--dry-run])');
  const csv = await readText(file);
  const report = await withPeople(values.db, io, (people) => people.import(csv, values['dry-run'] ? 'preview' : 'apply', CLI_ACTOR));
  io.out(JSON.stringify(report));
  for (const refused of report.refused) io.err(`tapin: line ${refused.line}: ${refused.reason}`);
  return report.refused.length > 0 ? 1 : 0;
}

/** `tapin export [FILE]`: every user with their active badges, in the import's format (stdout without FILE). */
export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, file } = parse(args, {});
  const csv = await withPeople(values.db, io, (people) => people.exportCsv());
  if (file === undefined) {
    io.out(csv.replace(/\n$/, ''));
    return 0;
  }
  try {
    // Badge UIDs are what a UID-only badge proves: the file is for its owner's eyes.
    await writeFile(file, csv, { mode: 0o600 });
  } catch (error) {
    throw new AppError('INVALID_REQUEST', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  io.out(JSON.stringify({ file, rows: csv.split('\n').length - 2 }));
  return 0;
}
