import { createHmac, randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import type { Logger } from "pino";
import { permissionsOf } from "../../shared/auth/permissions";
import { Role } from "../../shared/auth/roles";
import { Viewer, ViewerOrganization } from "../../shared/auth/viewer";
import { badInput, conflict, notFound } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import { SqlParams, integrationsVisible } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { ApiClient, ApiClientSecret, CreateApiClientInput } from "./api-client.entity";

const CURSOR_KIND = "apiClient";
/** Secrets carry this prefix so secret scanners can find leaked ones; then 32 random bytes, base64url. */
export const SECRET_PREFIX = "nr_live_";
const SECRET_SHAPE = /^nr_live_[A-Za-z0-9_-]{43}$/;
/** A secret accepted here is accepted again without asking the database for this long: revocation reaches every server within it. */
export const CLIENT_CACHE_MS = 1000;
const CLIENT_CACHE_LIMIT = 10_000;
/** lastUsedAt is written at most this often per server, not per request. */
const LAST_USED_FLUSH_MS = 30_000;
/** A rotated secret keeps working this long by default, at most a week. */
export const DEFAULT_OVERLAP_SECONDS = 3600;
const MAX_OVERLAP_SECONDS = 7 * 86400;
/** Clients an organisation may hold at once (revoked ones aside). */
const MAX_ACTIVE_CLIENTS = 100;

const CLIENT_COLUMNS = `c.id, c.seq::text AS seq, c.name, c.role, c.organization_id AS "organizationId", c.created_at AS "createdAt",
  c.last_used_at AS "lastUsedAt", c.revoked_at AS "revokedAt"`;

interface Accepted {
  viewer: Viewer;
  clientId: string;
  /** Until when this answer may be reused (the cache's second, or the secret's expiry if sooner). */
  until: number;
}

/**
 * API clients: an organisation's machines, with secrets the registry shows once and keeps only as keyed
 * digests (HMAC-SHA256 under a key derived from the server's PII key: a stolen table reveals no secret, and
 * a random 256-bit secret needs no slow hash). Who manages which clients is `integrationsVisible`.
 */
export class ApiClientService {
  private readonly digestKey: Buffer;
  private readonly accepted = new Map<string, Accepted>();
  private readonly lastUsed = new Map<string, Date>();
  /** Grows with every rotation and revocation: an answer looked up before one is not remembered. */
  private epoch = 0;
  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    piiKey: Buffer,
    private readonly log: Logger,
  ) {
    this.digestKey = createHmac("sha256", piiKey).update("registry api client secret digests v1").digest();
    this.flushTimer = setInterval(() => void this.flushLastUsed(), LAST_USED_FLUSH_MS).unref();
  }

  /** Whether a bearer token is shaped as a client secret (so it is not a JWT). */
  static isSecret(token: string): boolean {
    return token.startsWith(SECRET_PREFIX);
  }

  /**
   * The viewer a secret stands for, or null when it is not a live secret of a live client. Its role
   * carries none of a person's judgements (JUDGEMENTS: approvals, revocations, penalties, managing clients). `fresh`: ask the database, not this server's
   * memory of the last second (an open subscription's check).
   */
  async authenticate(secret: string, options: { fresh?: boolean } = {}, now = Date.now()): Promise<{ viewer: Viewer; until: number } | null> {
    if (!SECRET_SHAPE.test(secret)) return null;
    const digest = this.digest(secret);
    const key = digest.toString("hex");
    let hit = this.accepted.get(key);
    if (!hit || hit.until <= now || options.fresh) {
      this.accepted.delete(key);
      const epoch = this.epoch;
      const p = new SqlParams();
      const [row]: (ViewerOrganization & { clientId: string; role: Role; expiresAt: Date | null })[] = await this.dataSource.query(
        `SELECT c.id AS "clientId", c.role, s.expires_at AS "expiresAt", o.id, o.code, o.kind, o.province, o.path
           FROM api_client_secrets s JOIN api_clients c ON c.id = s.client_id JOIN organizations o ON o.id = c.organization_id
          WHERE s.digest = ${p.add(digest)} AND c.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now())`,
        p.values,
      );
      if (!row) return null;
      const organization: ViewerOrganization = { id: row.id, code: row.code, kind: row.kind, province: row.province, path: row.path };
      const viewer: Viewer = { subject: `client:${row.clientId}`, role: row.role, organization, permissions: permissionsOf(row.role, "machine") };
      const until = Math.min(now + CLIENT_CACHE_MS, row.expiresAt ? new Date(row.expiresAt).getTime() : Infinity);
      hit = { viewer, clientId: row.clientId, until };
      if (this.accepted.size >= CLIENT_CACHE_LIMIT) this.accepted.clear();
      // A rotation or revocation committed meanwhile may have made this answer stale: use it once, keep it not.
      if (epoch === this.epoch) this.accepted.set(key, hit);
    }
    this.lastUsed.set(hit.clientId, new Date(now));
    return { viewer: hit.viewer, until: hit.until };
  }

  async create(viewer: Viewer, input: CreateApiClientInput, mutation: UnitOfWork): Promise<ApiClientSecret> {
    const name = input.name.trim();
    mutation.target(input.organizationCode);
    return mutation.run(async (tx) => {
      const p = new SqlParams();
      const [org]: { id: string; kind: string; manageable: boolean }[] = await tx.query(
        `SELECT t.organization_id AS id, t.kind, ${integrationsVisible(viewer, "t", p)} AS manageable
           FROM (SELECT id AS organization_id, kind FROM organizations WHERE code = ${p.add(input.organizationCode)}) t`,
        p.values,
      );
      // An organisation one does not manage answers as one that does not exist: its existence is not told.
      if (!org || !org.manageable) throw notFound(`no organisation ${input.organizationCode} whose API clients you manage`);
      if (org.kind !== input.role) {
        throw badInput(`a ${org.kind} organisation's clients act as ${org.kind}, not ${input.role}`, { argument: "input.role" });
      }
      const l = new SqlParams();
      // Serialised per organisation, so two creations at once cannot both pass the cap.
      await tx.query(`SELECT 1 FROM organizations WHERE id = ${l.add(org.id)} FOR UPDATE`, l.values);
      const c = new SqlParams();
      const [{ n }]: { n: number }[] = await tx.query(
        `SELECT count(*)::int AS n FROM api_clients WHERE organization_id = ${c.add(org.id)} AND revoked_at IS NULL`,
        c.values,
      );
      if (n >= MAX_ACTIVE_CLIENTS) throw conflict(`${input.organizationCode} already holds ${MAX_ACTIVE_CLIENTS} clients: revoke one first`);
      const i = new SqlParams();
      const [client]: ApiClient[] = await tx.query(
        `INSERT INTO api_clients AS c (organization_id, role, name, created_by)
         VALUES (${i.add(org.id)}, ${i.add(input.role)}, ${i.add(name)}, ${i.add(viewer.subject)})
         RETURNING ${CLIENT_COLUMNS}`,
        i.values,
      );
      const secret = await this.addSecret(tx, client.id);
      return { result: { client, secret }, targets: [client.id, input.organizationCode] };
    });
  }

  /** The clients the viewer manages, oldest first, revoked ones too. */
  async list(viewer: Viewer, args: PageArgs): Promise<Connection<ApiClient>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    return listBySeq<ApiClient>((sql, values) => this.dataSource.query(sql, values), {
      from: "api_clients c", alias: "c", columns: CLIENT_COLUMNS, where: [integrationsVisible(viewer, "c", p)], params: p.values, page, kind: CURSOR_KIND,
    });
  }

  /** A new secret; the client's current ones keep working for `overlapSeconds` more, then are refused. */
  async rotate(viewer: Viewer, clientId: string, overlapSeconds: number | null | undefined, mutation: UnitOfWork): Promise<ApiClientSecret> {
    const overlap = overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_OVERLAP_SECONDS) {
      throw badInput(`overlapSeconds must be a whole number from 0 to ${MAX_OVERLAP_SECONDS} (a week)`, { argument: "overlapSeconds" });
    }
    mutation.target(clientId);
    const rotated = await mutation.run(async (tx) => {
      const client = await this.lockLive(tx, viewer, clientId);
      const p = new SqlParams();
      await tx.query(
        `UPDATE api_client_secrets SET expires_at = LEAST(coalesce(expires_at, 'infinity'), now() + make_interval(secs => ${p.add(overlap)}))
          WHERE client_id = ${p.add(clientId)} AND (expires_at IS NULL OR expires_at > now())`,
        p.values,
      );
      const secret = await this.addSecret(tx, clientId);
      return { result: { client, secret }, targets: [clientId] };
    });
    this.forget(clientId);
    return rotated;
  }

  /** Revoked for good: its secrets are refused here at once and on every other server within CLIENT_CACHE_MS. */
  async revoke(viewer: Viewer, clientId: string, mutation: UnitOfWork): Promise<ApiClient> {
    mutation.target(clientId);
    const revoked = await mutation.run(async (tx) => {
      await this.lockLive(tx, viewer, clientId);
      const p = new SqlParams();
      const [client]: ApiClient[] = await tx.query(
        `WITH c AS (UPDATE api_clients SET revoked_at = now(), revoked_by = ${p.add(viewer.subject)} WHERE id = ${p.add(clientId)} RETURNING *)
         SELECT ${CLIENT_COLUMNS} FROM c`,
        p.values,
      );
      return { result: client, targets: [clientId] };
    });
    // After the commit: a request answered meanwhile could otherwise remember the client as it was.
    this.forget(clientId);
    return revoked;
  }

  /** Writes the remembered last uses, and stops the timer. */
  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushLastUsed();
  }

  /** One statement for every client used since the last flush; a failure is logged and tried again next time. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const used = [...this.lastUsed];
    this.lastUsed.clear();
    const p = new SqlParams();
    try {
      await this.dataSource.query(
        `UPDATE api_clients c SET last_used_at = GREATEST(c.last_used_at, u.at)
           FROM unnest(${p.add(used.map(([id]) => id))}::uuid[], ${p.add(used.map(([, at]) => at.toISOString()))}::timestamptz[]) AS u(id, at)
          WHERE c.id = u.id`,
        p.values,
      );
    } catch (error) {
      for (const [id, at] of used) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      this.log.warn({ err: error }, "could not record API clients' last use");
    }
  }

  /** The client, locked, if the viewer manages it and it is not revoked. */
  private async lockLive(tx: { query(sql: string, params?: unknown[]): Promise<any> }, viewer: Viewer, clientId: string): Promise<ApiClient> {
    if (!isUuid(clientId)) throw notFound(`no API client ${clientId}`);
    const p = new SqlParams();
    const [client]: ApiClient[] = await tx.query(
      `SELECT ${CLIENT_COLUMNS} FROM api_clients c WHERE c.id = ${p.add(clientId)} AND ${integrationsVisible(viewer, "c", p)} FOR UPDATE`,
      p.values,
    );
    if (!client) throw notFound(`no API client ${clientId}`);
    if (client.revokedAt) throw conflict(`API client ${clientId} was revoked on ${new Date(client.revokedAt).toISOString()}`);
    return client;
  }

  private async addSecret(tx: { query(sql: string, params?: unknown[]): Promise<any> }, clientId: string): Promise<string> {
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
    const p = new SqlParams();
    await tx.query(`INSERT INTO api_client_secrets (digest, client_id) VALUES (${p.add(this.digest(secret))}, ${p.add(clientId)})`, p.values);
    return secret;
  }

  private digest(secret: string): Buffer {
    return createHmac("sha256", this.digestKey).update(secret).digest();
  }

  /** Drops what this server remembers of the client's secrets (after a rotation or revocation). */
  private forget(clientId: string): void {
    this.epoch += 1;
    for (const [key, hit] of this.accepted) if (hit.clientId === clientId) this.accepted.delete(key);
  }
}
