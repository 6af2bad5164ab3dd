import { DataSource, EntityManager } from "typeorm";
import { Viewer } from "../../shared/auth/viewer";
import { codeOf } from "../../shared/errors";
import { AuditService } from "./audit.service";
import { inputDigest } from "./audit-chain";
import type { MutationOutcome, UnitOfWork } from "../../shared/unit-of-work";

// Arguments that name what a mutation acts on. Only identifiers: never a
// person's name or ID number, which stay out of the audit log.
const TARGET_KEYS = new Set(["code", "parentCode", "number", "numbers", "resellerCode", "callCenterCode", "subscriberId", "orderId", "trunkId"]);
const MAX_ARG_TARGETS = 1000;

/** The identifiers in a mutation's arguments, so refused and failed attempts are recorded against them too. */
export function identifiersIn(args: unknown, found: string[] = []): string[] {
  if (found.length >= MAX_ARG_TARGETS || args === null || typeof args !== "object") return found;
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    if (TARGET_KEYS.has(key) && (typeof value === "string" || Array.isArray(value))) {
      for (const v of [value].flat()) if (typeof v === "string" && found.length < MAX_ARG_TARGETS) found.push(v);
    } else if (typeof value === "object") {
      identifiersIn(value, found);
    }
  }
  return found;
}

/**
 * One mutation field's unit of work: its transaction and its one audit event.
 * A service calls run() once; if the mutation fails anywhere (permission, validation,
 * service), the audit middleware records the failure in a transaction of its own.
 */
export class AuditedMutation implements UnitOfWork {
  private written = false;
  private targets: string[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly viewer: Viewer,
    private readonly operation: string,
    private readonly digest: string,
    private readonly requestId: string | null,
  ) {}

  static start(dataSource: DataSource, audit: AuditService, digestKey: Buffer, viewer: Viewer, operation: string, args: unknown, requestId: string | null) {
    const mutation = new AuditedMutation(dataSource, audit, viewer, operation, inputDigest(digestKey, args), requestId);
    mutation.target(...identifiersIn(args));
    return mutation;
  }

  get recorded(): boolean {
    return this.written;
  }

  /** Names targets before the work starts, so a failure is recorded against them too. */
  target(...targets: string[]): void {
    this.targets.push(...targets);
  }

  async run<T>(work: (tx: EntityManager) => Promise<MutationOutcome<T>>): Promise<T> {
    if (this.written) throw new Error(`${this.operation} ran its unit of work twice`);
    const result = await this.dataSource.transaction(async (tx) => {
      const outcome = await work(tx);
      await this.audit.append(tx, this.draft("SUCCESS", outcome.targets));
      return outcome.result;
    });
    this.written = true;
    return result;
  }

  async recordFailure(error: unknown): Promise<void> {
    if (this.written) return;
    await this.audit.appendAlone(this.draft(codeOf(error), []));
    this.written = true;
  }

  private draft(outcome: string, targets: string[]) {
    return {
      actor: this.viewer.subject,
      orgCode: this.viewer.organization?.code ?? null,
      role: this.viewer.role,
      operation: this.operation,
      targets: [...new Set([...this.targets, ...targets])],
      inputDigest: this.digest,
      outcome,
      requestId: this.requestId,
    };
  }
}
