import { afterAll, beforeAll } from 'vitest';
import { postgresMissing, startPostgres, type TestPostgres } from './postgres-cluster.ts';

export { postgresMissing, psql, startPostgres, type TestPostgres } from './postgres-cluster.ts';

/** One PostgreSQL cluster for the calling test file, started before its tests and removed after. */
export function usePostgres(): () => TestPostgres {
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    if (!postgresMissing) cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (!cluster) throw new Error('PostgreSQL is not running');
    return cluster;
  };
}
