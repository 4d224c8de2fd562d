import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Stands where a call's parameter goes while the query is compiled once. */
class Slot {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/**
 * A Kysely query built and compiled once, then run with each call's parameters: on the login hot path
 * building and compiling a query costs more than SQLite running it. Parameters must be scalars that
 * land in the SQL as bound values (not lists for `in`, not identifiers).
 */
export function preparedQuery<DB, Params extends Record<string, unknown>, Row>(
  names: readonly (keyof Params & string)[],
  build: (db: Kysely<DB>, params: Params) => Compilable<Row>,
): (db: Kysely<DB>, params: Params) => Promise<Row[]> {
  // Compiled once per dialect (SQLite's and PostgreSQL's SQL differ), keyed by the dialect's adapter class.
  const compiledFor = new WeakMap<object, CompiledQuery<Row>>();
  return async (db, params) => {
    const dialect = db.getExecutor().adapter.constructor;
    let compiled = compiledFor.get(dialect);
    if (!compiled) {
      const slots = Object.fromEntries(names.map((name) => [name, new Slot(name)])) as unknown as Params;
      compiled = build(db, slots).compile();
      compiledFor.set(dialect, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? params[p.name] : p));
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
