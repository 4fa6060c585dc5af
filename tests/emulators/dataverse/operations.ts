/**
 * The event pipeline's observers: listeners inside the transaction (synchronous plug-in steps — awaited, and a
 * throw rolls the request back) and after it commits (asynchronous steps, webhooks). Operations of a `$batch`
 * change set reach the after-commit listeners only once the whole change set commits.
 */
import type { DataverseCaller, DataverseOperation, Row, TableDefinition } from './context';
import { newGuid } from './ids';
import type { RowStore } from './store';

export interface RequestInfo {
  caller: DataverseCaller;
  correlationId: string;
  requestId: string;
  /** The `tag` query parameter. */
  tag?: string;
  /** `MSCRM.SuppressDuplicateDetection: false` */
  duplicateDetection: boolean;
}

export class OperationBus {
  private readonly afterCommit = new Set<(operation: DataverseOperation) => void>();
  private readonly inTransaction = new Set<(operation: DataverseOperation) => void | Promise<void>>();

  constructor(private readonly store: RowStore) {}

  onOperation(listener: (operation: DataverseOperation) => void): () => void {
    this.afterCommit.add(listener);
    return () => { this.afterCommit.delete(listener); };
  }

  onOperationInTransaction(listener: (operation: DataverseOperation) => void | Promise<void>): () => void {
    this.inTransaction.add(listener);
    return () => { this.inTransaction.delete(listener); };
  }

  async publish(
    messageName: DataverseOperation['messageName'], table: TableDefinition, id: string, request: RequestInfo,
    parts: { target: Row; before?: Row; after?: Row },
  ): Promise<void> {
    const operation: DataverseOperation = {
      messageName,
      table,
      id,
      target: parts.target,
      ...(parts.before ? { before: parts.before } : {}),
      ...(parts.after ? { after: parts.after } : {}),
      initiatingUserId: request.caller.callerSystemUserId,
      userId: request.caller.effectiveSystemUserId,
      correlationId: request.correlationId,
      requestId: request.requestId,
      operationId: newGuid(),
      depth: 1,
      operationCreatedOn: new Date(),
      ...(request.tag !== undefined ? { tag: request.tag } : {}),
    };
    for (const listener of [...this.inTransaction]) await listener(operation);
    this.store.afterCommit(() => {
      for (const listener of [...this.afterCommit]) {
        try {
          listener(operation);
        } catch (error) {
          console.error('[dataverse] operation listener failed:', error);
        }
      }
    });
  }
}
