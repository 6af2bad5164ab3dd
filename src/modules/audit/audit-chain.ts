import { createHash, createHmac } from "node:crypto";

/** The hash before the first event. */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainFields {
  seq: string;
  at: Date;
  actor: string;
  orgCode: string | null;
  role: string;
  operation: string;
  targets: string[];
  inputDigest: string;
  outcome: string;
  requestId: string | null;
  prevHash: string;
}

/** JSON with object keys sorted, so equal values always digest alike. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function eventHash(fields: ChainFields): string {
  const material = canonicalJson([
    String(fields.seq), // node-postgres reads bigint as a string, PGlite as a number
    fields.at.toISOString(),
    fields.actor,
    fields.orgCode,
    fields.role,
    fields.operation,
    fields.targets,
    fields.inputDigest,
    fields.outcome,
    fields.requestId,
    fields.prevHash,
  ]);
  return createHash("sha256").update(material).digest("hex");
}

/**
 * A keyed digest of a mutation's input. Keyed, because a plain hash of a
 * low-entropy value such as a resident ID number can be reversed by trying them all.
 */
export function inputDigest(key: Buffer, input: unknown): string {
  return createHmac("sha256", key).update("audit-input\u0000").update(canonicalJson(input)).digest("hex");
}
