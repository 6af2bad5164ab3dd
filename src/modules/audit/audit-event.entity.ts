import { Column, Entity, PrimaryColumn } from "typeorm";

/** One link of the audit chain (审计日志). Rows are append-only: triggers refuse UPDATE and DELETE. */
@Entity("audit_events")
export class AuditEvent {
  @PrimaryColumn({ type: "bigint" })
  seq: string;

  @Column({ type: "timestamptz" })
  at: Date;

  @Column({ type: "text" })
  actor: string;

  @Column({ name: "org_code", type: "text", nullable: true })
  orgCode: string | null;

  @Column({ type: "text" })
  role: string;

  @Column({ type: "text" })
  operation: string;

  @Column({ type: "text", array: true })
  targets: string[];

  /** HMAC of the input under a server key: proves what was sent without storing it. */
  @Column({ name: "input_digest", type: "text" })
  inputDigest: string;

  /** SUCCESS, or the error code the caller received. */
  @Column({ type: "text" })
  outcome: string;

  @Column({ name: "request_id", type: "text", nullable: true })
  requestId: string | null;

  @Column({ name: "prev_hash", type: "text" })
  prevHash: string;

  @Column({ type: "text" })
  hash: string;
}
