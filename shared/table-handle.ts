/** A Table Storage table created on first use, once per process (a failed creation is retried next time). */
import type { TableClient } from '@azure/data-tables';

export function ensureTableOnce(table: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= table.createTable().then(() => undefined, (error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
