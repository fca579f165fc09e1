/** A PostgreSQL test cluster per test file, in vitest's lifecycle (benchmarks use startPostgres directly). */
import { afterAll, beforeAll, inject } from 'vitest';
import { type ClusterOptions, type PostgresCluster, startPostgres } from './postgres.js';

/** Call at module level: one cluster for the file, started before its tests, stopped after them. */
export function usePostgresCluster(options: ClusterOptions = {}): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres({ templateRoot: inject('pgTemplateRoot'), ...options });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster is not started (use it inside a test)');
    return cluster;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's directory for the PostgreSQL template data dir (test/global-setup.ts). */
    pgTemplateRoot: string;
  }
}
