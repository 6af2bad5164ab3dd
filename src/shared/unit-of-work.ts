import type { EntityManager } from "typeorm";

export interface MutationOutcome<T> {
  result: T;
  /** What the mutation acted on: organisation codes, numbers, ids. */
  targets: string[];
}

/**
 * One mutation field's unit of work, as services see it: the transaction its work runs in, and the targets
 * its one audit event names. The audit module provides it (AuditedMutation); services never open their own
 * transaction for a mutation.
 */
export interface UnitOfWork {
  /** Names targets before the work starts, so a failure is recorded against them too. */
  target(...targets: string[]): void;
  run<T>(work: (tx: EntityManager) => Promise<MutationOutcome<T>>): Promise<T>;
}
