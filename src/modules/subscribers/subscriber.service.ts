import { DataSource, EntityManager } from "typeorm";
import type { Config } from "../../config";
import { Viewer, ViewerOrganization, organizationOf } from "../../shared/auth/viewer";
import { groupByIds, isCalendarDate, oneByKeys } from "../../shared/dates";
import { AppError, badInput, conflict, forbidden, notFound, parsedOrBadInput, statedReason } from "../../shared/errors";
import { isUuid } from "../../shared/ids";
import { parseResidentId } from "../../shared/identity/resident-id";
import { parseUscc } from "../../shared/identity/uscc";
import { PiiVault, maskIdNumber } from "../../shared/pii";
import { SqlParams, idNumberReach, idSearchBasis, makesCheck, numbersVisible, subscribersVisible } from "../../shared/policy";
import { Connection, PageArgs, listBySeq, toPage } from "../../shared/pagination";
import { inputDigest } from "../audit/audit-chain";
import type { AuditService } from "../audit/audit.service";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { findOpenCase } from "../cases/case.service";
import { CASE_NUMBER_RULE, caseNumberOf } from "../cases/case.inputs";
import { parseNumber } from "../numbers/number-format";
import { lockNumbers, moveNumbers, ordersStopping, stoppedBy } from "../numbers/number-moves";
import { ChangeCause, NumberStatus } from "../numbers/number-status";
import { NUMBER_COLUMNS, numberAsMoved } from "../numbers/number.service";
import type { PhoneNumber } from "../numbers/number.entity";
import {
  CHECK_PERFORMER,
  CheckKind,
  CheckOnFile,
  DocumentKind,
  IdentityStatus,
  PaperOnFile,
  RiskKind,
  RiskSeverity,
  VerificationFacts,
  unmetRequirements,
} from "./identity-rules";
import { moveIdentities } from "./identity-moves";
import { identityRefusal } from "./identity-status";
import { RiskFlag, Subscriber, SubscriberDocument, VerificationCheck } from "./subscriber.entity";
import { AttachDocumentInput, RecordCheckInput, RegisterSubscriberInput, SubscriberFilter } from "./subscriber.inputs";

const CURSOR_KIND = "subscriber";

export const SUBSCRIBER_COLUMNS = `s.id, s.seq::text AS seq, s.reseller_id AS "resellerId", s.name, s.uscc, s.legal_rep_name AS "legalRepName",
  s.legal_rep_id_sealed AS "legalRepIdSealed", s.legal_rep_id_hash AS "legalRepIdHash", s.handler_name AS "handlerName",
  s.handler_id_sealed AS "handlerIdSealed", s.landline, s.address, s.business_scope AS "businessScope", s.declared_use AS "declaredUse",
  s.identity_status AS "identityStatus", s.status_reason AS "statusReason", s.submitted_at AS "submittedAt",
  s.verified_at AS "verifiedAt", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

const DOCUMENT_COLUMNS = `d.id, d.subscriber_id AS "subscriberId", d.kind, d.sha256, d.media_type AS "mediaType", d.size_bytes::int AS "sizeBytes",
  d.storage_uri AS "storageUri", to_char(d.expires_on, 'YYYY-MM-DD') AS "expiresOn", d.attached_at AS "attachedAt"`;
const CHECK_COLUMNS = `c.id, c.subscriber_id AS "subscriberId", c.kind, c.outcome, c.note, c.actor, c.organization_id AS "organizationId", c.at`;
const FLAG_COLUMNS = `f.id, f.subscriber_id AS "subscriberId", f.kind, f.severity, f.detail, f.raised_at AS "raisedAt",
  f.resolved_at AS "resolvedAt", f.justification`;

/** Which resident ID number a field shows. */
export type IdField = "legalRepIdNumber" | "handlerIdNumber";

export class SubscriberService {
  private readonly vault: PiiVault;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly audit: AuditService,
  ) {
    this.vault = new PiiVault(config.piiKey);
  }

  // ---------------------------------------------------------------- reseller's part

  async reserve(viewer: Viewer, text: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const reseller = organizationOf(viewer);
    const number = parseNumber(text);
    const { reservationDays, reservationCapMin, reservationCapShare } = this.config.rules;
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const row = await this.lockNumber(tx, number, reseller);
      if (row.status === NumberStatus.RESERVED) {
        throw conflict(`${number} is already reserved until ${new Date(row.reserved_until!).toISOString()}; a reservation is not extended`);
      }
      if (row.status !== NumberStatus.SPARE) throw conflict(`only SPARE numbers are reserved; ${number} is ${row.status}`);
      const h = new SqlParams();
      const [held]: { reserved: number; active: number }[] = await tx.query(
        `SELECT count(*) FILTER (WHERE status = 'RESERVED')::int AS reserved, count(*) FILTER (WHERE status = 'ACTIVE')::int AS active
           FROM numbers WHERE reseller_id = ${h.add(reseller.id)}`,
        h.values,
      );
      const cap = Math.max(reservationCapMin, Math.floor(reservationCapShare * held.active));
      if (held.reserved >= cap) {
        throw conflict(
          `you hold ${held.reserved} numbers in reservation, the most allowed (the greater of ${reservationCapMin} or ` +
            `${reservationCapShare * 100}% of your ${held.active} ACTIVE numbers); assign or release some first`,
          { reason: "RESERVATION_CAP", cap },
        );
      }
      const m = new SqlParams();
      const where = `n.number = ${m.add(number)}`;
      const set = `status = 'RESERVED', reserved_until = now() + make_interval(days => ${m.add(reservationDays)})`;
      await moveNumbers(tx, { where, params: m.values, set, cause: ChangeCause.RESERVE });
      return { result: await numberAsMoved(tx, number), targets: [number] };
    });
  }

  async register(viewer: Viewer, input: RegisterSubscriberInput, mutation: UnitOfWork): Promise<Subscriber> {
    const reseller = organizationOf(viewer);
    const uscc = parsedOrBadInput(parseUscc(input.uscc), "input.uscc", "uscc");
    const legalRepId = parsedOrBadInput(parseResidentId(input.legalRep.idNumber), "input.legalRep.idNumber", "legalRep.idNumber");
    const handlerId = parsedOrBadInput(parseResidentId(input.handler.idNumber), "input.handler.idNumber", "handler.idNumber");
    const name = input.name.trim();
    const legalRepHash = this.vault.lookupHash(legalRepId);
    mutation.target(uscc);

    return mutation.run(async (tx) => {
      await this.refuseBlacklisted(tx, uscc, legalRepHash);
      const p = new SqlParams();
      const [{ id }]: { id: string }[] = await tx.query(
        `INSERT INTO subscribers (reseller_id, name, uscc, legal_rep_name, legal_rep_id_sealed, legal_rep_id_hash,
                                  handler_name, handler_id_sealed, handler_id_hash, landline, address, business_scope, declared_use)
         VALUES (${p.add(reseller.id)}, ${p.add(name)}, ${p.add(uscc)}, ${p.add(input.legalRep.name.trim())},
                 ${p.add(this.vault.encrypt(legalRepId))}, ${p.add(legalRepHash)}, ${p.add(input.handler.name.trim())},
                 ${p.add(this.vault.encrypt(handlerId))}, ${p.add(this.vault.lookupHash(handlerId))}, ${p.add(input.landline)},
                 ${p.add(input.address.trim())}, ${p.add(input.businessScope.trim())}, ${p.add(input.declaredUse.trim())}) RETURNING id`,
        p.values,
      );
      await this.raiseRegistrationFlags(tx, id, name, uscc, legalRepHash);
      return { result: await this.subscriberRow(tx, id), targets: [id] };
    });
  }

  async attachDocument(viewer: Viewer, subscriberId: string, input: AttachDocumentInput, mutation: UnitOfWork): Promise<SubscriberDocument> {
    const reseller = organizationOf(viewer);
    if (input.expiresOn != null && !isCalendarDate(input.expiresOn)) {
      throw badInput(`expiresOn "${input.expiresOn}" is not a calendar date`, { argument: "input.expiresOn" });
    }
    return mutation.run(async (tx) => {
      const subscriber = await this.lockOwn(tx, subscriberId, reseller);
      if (subscriber.identityStatus === IdentityStatus.REVOKED) throw conflict("the subscriber's identity was revoked: no papers are added");
      const p = new SqlParams();
      const [{ id, expired }]: { id: string; expired: boolean | null }[] = await tx.query(
        `INSERT INTO subscriber_documents (subscriber_id, kind, sha256, media_type, size_bytes, storage_uri, expires_on, attached_by)
         VALUES (${p.add(subscriberId)}, ${p.add(input.kind)}, ${p.add(input.sha256)}, ${p.add(input.mediaType)}, ${p.add(input.sizeBytes)},
                 ${p.add(input.storageUri)}, ${p.add(input.expiresOn ?? null)}, ${p.add(reseller.id)})
         RETURNING id, (expires_on <= current_date) AS expired`,
        p.values,
      );
      // The same file on another company's record: a borrowed paper.
      const o = new SqlParams();
      const others: { id: string; name: string }[] = await tx.query(
        `SELECT DISTINCT s.id, s.name FROM subscriber_documents d JOIN subscribers s ON s.id = d.subscriber_id
          WHERE d.sha256 = ${o.add(input.sha256)} AND s.uscc <> ${o.add(subscriber.uscc)}`,
        o.values,
      );
      for (const other of others) {
        await this.raiseFlag(tx, subscriberId, RiskKind.SHARED_DOCUMENT, RiskSeverity.HIGH, `sha256:${input.sha256}:${other.id}`,
          `this ${input.kind} (sha256 ${input.sha256.slice(0, 12)}…) is also on file for "${other.name}"`);
        await this.raiseFlag(tx, other.id, RiskKind.SHARED_DOCUMENT, RiskSeverity.HIGH, `sha256:${input.sha256}:${subscriberId}`,
          `a paper of this subscriber (sha256 ${input.sha256.slice(0, 12)}…) was attached to "${subscriber.name}"`);
      }
      if (expired) {
        await this.raiseFlag(tx, subscriberId, RiskKind.EXPIRED_DOCUMENT, RiskSeverity.MEDIUM, id, `${input.kind} expired on ${input.expiresOn}`);
      }
      const d = new SqlParams();
      const [document]: SubscriberDocument[] = await tx.query(`SELECT ${DOCUMENT_COLUMNS} FROM subscriber_documents d WHERE d.id = ${d.add(id)}`, d.values);
      return { result: document, targets: [subscriberId] };
    });
  }

  async recordCheck(viewer: Viewer, subscriberId: string, input: RecordCheckInput, mutation: UnitOfWork): Promise<VerificationCheck> {
    const org = organizationOf(viewer);
    const performer = CHECK_PERFORMER[input.kind];
    if (!makesCheck(viewer, performer)) {
      throw forbidden(`${input.kind} is made by the ${performer === "RESELLER" ? "reseller" : "carrier"}, not by a ${org.kind}`);
    }
    return mutation.run(async (tx) => {
      const subscriber = await this.lockVisible(tx, viewer, subscriberId);
      if (subscriber.identityStatus === IdentityStatus.REVOKED) throw conflict("the subscriber's identity was revoked: no checks are recorded");
      if (input.kind === CheckKind.LANDLINE_RECHECK) {
        const b = new SqlParams();
        const [callback]: { organization_id: string }[] = await tx.query(
          `SELECT organization_id FROM verification_checks
            WHERE subscriber_id = ${b.add(subscriberId)} AND kind = 'LANDLINE_CALLBACK' ORDER BY at DESC, id LIMIT 1`,
          b.values,
        );
        if (callback?.organization_id === org.id) {
          throw conflict("the landline re-check must be made by another organisation than the call-back");
        }
      }
      const p = new SqlParams();
      const [{ id }]: { id: string }[] = await tx.query(
        `INSERT INTO verification_checks (subscriber_id, kind, outcome, note, organization_id, actor)
         VALUES (${p.add(subscriberId)}, ${p.add(input.kind)}, ${p.add(input.outcome)}, ${p.add(input.note.trim())}, ${p.add(org.id)},
                 ${p.add(viewer.subject)}) RETURNING id`,
        p.values,
      );
      const c = new SqlParams();
      const [check]: VerificationCheck[] = await tx.query(`SELECT ${CHECK_COLUMNS} FROM verification_checks c WHERE c.id = ${c.add(id)}`, c.values);
      return { result: check, targets: [subscriberId] };
    });
  }

  async submit(viewer: Viewer, subscriberId: string, mutation: UnitOfWork): Promise<Subscriber> {
    const reseller = organizationOf(viewer);
    return mutation.run(async (tx) => {
      const subscriber = await this.lockOwn(tx, subscriberId, reseller);
      const refused = identityRefusal(subscriber.identityStatus, IdentityStatus.SUBMITTED);
      if (refused) throw conflict(refused);
      const unmet = unmetRequirements(await this.facts(tx, subscriberId), false);
      if (unmet.length > 0) throw conflict(`the subscriber cannot be submitted yet: ${unmet.join("; ")}`, { unmet });
      const p = new SqlParams();
      await moveIdentities(tx, {
        where: `s.id = ${p.add(subscriberId)}`, params: p.values, to: IdentityStatus.SUBMITTED, set: "submitted_at = now(), status_reason = NULL",
      });
      return { result: await this.subscriberRow(tx, subscriberId), targets: [subscriberId] };
    });
  }

  async assign(viewer: Viewer, text: string, subscriberId: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const reseller = organizationOf(viewer);
    const number = parseNumber(text);
    return mutation.run(async (tx) => {
      // The numbers lock first, always: two assignments of one number, or to one
      // subscriber, run one after the other and the second sees the first.
      await lockNumbers(tx);
      const subscriber = await this.lockOwn(tx, subscriberId, reseller);
      const assignable = [IdentityStatus.DRAFT, IdentityStatus.SUBMITTED, IdentityStatus.VERIFIED];
      if (!assignable.includes(subscriber.identityStatus)) {
        throw conflict(`numbers are assigned only to ${assignable.join(", ")} subscribers; this one is ${subscriber.identityStatus}`);
      }
      await this.refuseBlacklisted(tx, subscriber.uscc, subscriber.legalRepIdHash);
      const row = await this.lockNumber(tx, number, reseller);
      if (row.status === NumberStatus.RESERVED || row.status === NumberStatus.SPARE) {
        // free to assign
      } else if (row.subscriber_id) {
        throw conflict(`${number} is already assigned to a subscriber (${row.status})`, { reason: "ALREADY_ASSIGNED" });
      } else {
        throw conflict(`only SPARE or RESERVED numbers are assigned; ${number} is ${row.status}`);
      }
      const b = new SqlParams();
      const [barred]: { reason: string }[] = await tx.query(
        `SELECT reason FROM number_bars
          WHERE number = ${b.add(number)} AND (uscc = ${b.add(subscriber.uscc)} OR legal_rep_id_hash = ${b.add(subscriber.legalRepIdHash)}) LIMIT 1`,
        b.values,
      );
      if (barred) {
        throw conflict(`${number} was taken from this company or its legal representative (${barred.reason}) and is never assigned back to them`);
      }
      const m = new SqlParams();
      const where = `n.number = ${m.add(number)}`;
      const set = `status = 'PENDING_VERIFICATION', subscriber_id = ${m.add(subscriberId)}`;
      await moveNumbers(tx, { where, params: m.values, set, cause: ChangeCause.ASSIGN });
      if (subscriber.identityStatus === IdentityStatus.VERIFIED) {
        // Into service at once, unless the deposit the assignment just posted must be received first.
        const v = new SqlParams();
        await moveNumbers(tx, {
          where: `n.number = ${v.add(number)} AND number_may_serve(n.number, n.subscriber_id)`, params: v.values, set: "status = 'ACTIVE'", cause: ChangeCause.VERIFY,
        });
      }
      return { result: await numberAsMoved(tx, number), targets: [number, subscriberId] };
    });
  }

  /** A reservation given up before it lapses: the number is the reseller's SPARE stock again. */
  async releaseReservation(viewer: Viewer, text: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const reseller = organizationOf(viewer);
    const number = parseNumber(text);
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const row = await this.lockNumber(tx, number, reseller);
      if (row.status !== NumberStatus.RESERVED) throw conflict(`only a RESERVED number is released; ${number} is ${row.status}`);
      const m = new SqlParams();
      await moveNumbers(tx, { where: `n.number = ${m.add(number)}`, params: m.values, set: "status = 'SPARE'", cause: ChangeCause.RELEASE });
      return { result: await numberAsMoved(tx, number), targets: [number] };
    });
  }

  /**
   * A number assigned by mistake, taken back before approval: SPARE in the reseller's stock,
   * its subscriber cleared. Never in service, so it skips the aging a terminated number needs;
   * once approved it is the subscriber's, and only its carrier terminates it.
   */
  async unassign(viewer: Viewer, text: string, reason: string, mutation: UnitOfWork): Promise<PhoneNumber> {
    const reseller = organizationOf(viewer);
    const number = parseNumber(text);
    statedReason(reason); // recorded by the audit event's digest of the arguments
    return mutation.run(async (tx) => {
      await lockNumbers(tx);
      const row = await this.lockNumber(tx, number, reseller);
      if (row.status === NumberStatus.ACTIVE) {
        throw conflict(`${number} is ACTIVE; a number is taken back only before approval: a number in service is terminated by its carrier`);
      }
      if (row.status !== NumberStatus.PENDING_VERIFICATION) {
        throw conflict(`only a PENDING_VERIFICATION number is taken back; ${number} is ${row.status}`);
      }
      const m = new SqlParams();
      await moveNumbers(tx, {
        where: `n.number = ${m.add(number)}`,
        params: m.values,
        set: "status = 'SPARE', subscriber_id = NULL",
        cause: ChangeCause.UNASSIGN,
      });
      return { result: await numberAsMoved(tx, number), targets: [number, row.subscriber_id!] };
    });
  }

  // ---------------------------------------------------------------- carrier's part

  async approve(viewer: Viewer, subscriberId: string, mutation: UnitOfWork): Promise<Subscriber> {
    const carrier = organizationOf(viewer);
    return mutation.run(async (tx) => {
      await lockNumbers(tx); // before any subscriber row, as every writer of numbers
      const subscriber = await this.lockVisible(tx, viewer, subscriberId);
      const refused = identityRefusal(subscriber.identityStatus, IdentityStatus.VERIFIED);
      if (refused) throw conflict(refused);
      await this.refuseBlacklisted(tx, subscriber.uscc, subscriber.legalRepIdHash, "it is not approved");
      const unmet = unmetRequirements(await this.facts(tx, subscriberId), true);
      unmet.push(...this.codeProblems(subscriber));
      if (unmet.length > 0) throw conflict(`the subscriber cannot be verified: ${unmet.join("; ")}`, { unmet });
      const p = new SqlParams();
      const carrierId = p.add(carrier.id);
      await moveIdentities(tx, {
        where: `s.id = ${p.add(subscriberId)}`, params: p.values, to: IdentityStatus.VERIFIED,
        set: `verified_at = now(), verified_by = ${carrierId}, status_reason = NULL`,
      });
      // Its numbers go into service: those waiting, and those suspended for want of verification; a number
      // whose deposit must be received first waits for it (number_may_serve).
      const m = new SqlParams();
      const moved = await moveNumbers(tx, {
        where: `n.subscriber_id = ${m.add(subscriberId)}
                AND (n.status = 'PENDING_VERIFICATION' OR (n.status = 'SUSPENDED' AND n.suspension IN ('PAPERS', 'CAMPAIGN')))
                AND number_may_serve(n.number, n.subscriber_id)`,
        params: m.values,
        set: "status = 'ACTIVE'",
        cause: ChangeCause.VERIFY,
      });
      return { result: await this.subscriberRow(tx, subscriberId), targets: [subscriberId, ...moved.map((m) => m.number)] };
    });
  }

  async reject(viewer: Viewer, subscriberId: string, reason: string, mutation: UnitOfWork): Promise<Subscriber> {
    organizationOf(viewer);
    const why = statedReason(reason);
    return mutation.run(async (tx) => {
      const subscriber = await this.lockVisible(tx, viewer, subscriberId);
      const refused = identityRefusal(subscriber.identityStatus, IdentityStatus.REJECTED);
      if (refused) throw conflict(refused);
      const p = new SqlParams();
      await moveIdentities(tx, { where: `s.id = ${p.add(subscriberId)}`, params: p.values, to: IdentityStatus.REJECTED, set: `status_reason = ${p.add(why)}` });
      return { result: await this.subscriberRow(tx, subscriberId), targets: [subscriberId] };
    });
  }

  /**
   * Papers found forged or borrowed: the identity is REVOKED, every number it holds
   * is TERMINATED into the long quarantine, and none of them ever goes back to this
   * company or its legal representative. FORCE_STOPPED numbers stay stopped (only
   * lifting their orders moves them) but are barred all the same.
   */
  async revoke(viewer: Viewer, subscriberId: string, reason: string, mutation: UnitOfWork): Promise<Subscriber> {
    organizationOf(viewer);
    const why = statedReason(reason);
    const { quarantineDays } = this.config.rules;
    return mutation.run(async (tx) => {
      await lockNumbers(tx); // before any subscriber row, as every writer of numbers
      const subscriber = await this.lockVisible(tx, viewer, subscriberId);
      const refused = identityRefusal(subscriber.identityStatus, IdentityStatus.REVOKED);
      if (refused) throw conflict(refused);
      const b = new SqlParams();
      await tx.query(
        `INSERT INTO number_bars (number, uscc, legal_rep_id_hash, reason)
         SELECT number, ${b.add(subscriber.uscc)}, ${b.add(subscriber.legalRepIdHash)}, 'identity revoked'
           FROM numbers WHERE subscriber_id = ${b.add(subscriberId)} ON CONFLICT DO NOTHING`,
        b.values,
      );
      const m = new SqlParams();
      const where = `n.subscriber_id = ${m.add(subscriberId)} AND n.status IN ('PENDING_VERIFICATION', 'ACTIVE', 'SUSPENDED', 'TERMINATED')`;
      const set = `status = 'TERMINATED', aging_days = ${m.add(quarantineDays)}`;
      const moved = await moveNumbers(tx, { where, params: m.values, set, cause: ChangeCause.REVOKE });
      // Its numbers leave ACTIVE first: the database never sees an ACTIVE number of an unverified subscriber.
      const p = new SqlParams();
      await moveIdentities(tx, { where: `s.id = ${p.add(subscriberId)}`, params: p.values, to: IdentityStatus.REVOKED, set: `status_reason = ${p.add(why)}` });
      return { result: await this.subscriberRow(tx, subscriberId), targets: [subscriberId, subscriber.uscc, ...moved.map((m) => m.number)] };
    });
  }

  async overrideFlag(viewer: Viewer, flagId: string, justification: string, mutation: UnitOfWork): Promise<RiskFlag> {
    const carrier = organizationOf(viewer);
    const text = justification.trim();
    if (text.length < 20 || text.length > 2000) {
      throw badInput("justification must be a written explanation of 20-2000 characters", { argument: "justification" });
    }
    if (!isUuid(flagId)) throw notFound(`no risk flag ${flagId}`);
    return mutation.run(async (tx) => {
      const f = new SqlParams();
      const [flag]: { subscriber_id: string | null; resolved_at: Date | null }[] = await tx.query(
        `SELECT subscriber_id, resolved_at FROM risk_flags WHERE id = ${f.add(flagId)} FOR UPDATE`,
        f.values,
      );
      if (!flag?.subscriber_id) throw notFound(`no risk flag ${flagId} of a subscriber you approve`);
      await this.lockVisible(tx, viewer, flag.subscriber_id);
      if (flag.resolved_at) throw conflict("the flag is already resolved");
      const u = new SqlParams();
      await tx.query(
        `UPDATE risk_flags SET resolved_at = now(), resolved_by = ${u.add(viewer.subject)}, resolved_org = ${u.add(carrier.id)},
                justification = ${u.add(text)} WHERE id = ${u.add(flagId)}`,
        u.values,
      );
      const r = new SqlParams();
      const [row]: RiskFlag[] = await tx.query(`SELECT ${FLAG_COLUMNS} FROM risk_flags f WHERE f.id = ${r.add(flagId)}`, r.values);
      return { result: row, targets: [flag.subscriber_id, flagId] };
    });
  }

  // ---------------------------------------------------------------- reads

  /** null when it does not exist or the viewer may not see it. */
  async get(viewer: Viewer, id: string): Promise<Subscriber | null> {
    if (!isUuid(id)) return null;
    const p = new SqlParams();
    const [row]: Subscriber[] = await this.dataSource.query(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers s WHERE s.id = ${p.add(id)} AND ${subscribersVisible(viewer, "s", p)}`,
      p.values,
    );
    return row ?? null;
  }

  async list(viewer: Viewer, filter: SubscriberFilter | null | undefined, args: PageArgs): Promise<Connection<Subscriber>> {
    const page = toPage(args, CURSOR_KIND);
    const p = new SqlParams();
    const where = [subscribersVisible(viewer, "s", p)];
    if (filter?.identityStatus) where.push(`s.identity_status = ${p.add(filter.identityStatus)}`);
    if (filter?.uscc) where.push(`s.uscc = ${p.add(filter.uscc.trim().toUpperCase())}`);
    if (filter?.resellerCode) where.push(`s.reseller_id = (SELECT id FROM organizations WHERE code = ${p.add(filter.resellerCode)})`);
    return listBySeq<Subscriber & { seq: string }>((sql, values) => this.dataSource.query(sql, values), {
      from: "subscribers s", alias: "s", columns: SUBSCRIBER_COLUMNS, where, params: p.values, page, kind: CURSOR_KIND,
    });
  }

  /**
   * Everything held under one company (USCC) or one legal representative (resident ID
   * number): its subscribers, their numbers and the resellers that registered them,
   * within the viewer's scope, and the companies' USCCs (their call centres' trunks).
   * A search by resident ID names an open case (POLICE) or states a purpose (REGULATOR)
   * and is rate-limited per organisation; every search, and every refused one, is
   * audited with a keyed digest of what was searched, never the ID number itself.
   */
  async holdings(viewer: Viewer, search: HoldingsSearch, requestId: string | null) {
    const org = organizationOf(viewer);
    const { uscc, legalRepIdNumber } = search;
    if ((uscc == null) === (legalRepIdNumber == null)) {
      throw badInput("give exactly one of uscc and legalRepIdNumber", { argument: uscc == null ? "uscc" : "legalRepIdNumber" });
    }
    const byId = legalRepIdNumber != null;
    const company = byId ? null : parsedOrBadInput(parseUscc(uscc!), "uscc", "uscc");
    const person = byId ? parsedOrBadInput(parseResidentId(legalRepIdNumber!), "legalRepIdNumber", "legalRepIdNumber") : null;
    const stated = statedCase(search.caseNumber);
    const purpose = statedPurpose(search.purpose);
    const basis = idSearchBasis(viewer);
    if (basis === "PURPOSE" && stated !== null) {
      throw badInput("cases are the police's: a regulator states a purpose instead", { argument: "caseNumber" });
    }
    if (byId && basis === "CASE" && stated === null) {
      throw badInput("a search by resident ID number names an open case of your bureau or the one above it (caseNumber)", { argument: "caseNumber" });
    }
    if (byId && basis === "PURPOSE" && purpose === null) {
      throw badInput(`a search by resident ID number states its purpose (purpose, ${PURPOSE_MIN}-${PURPOSE_MAX} characters)`, { argument: "purpose" });
    }

    const operation = byId ? "read:holdings.legalRepIdNumber" : "read:holdings.uscc";
    // Identifiers only: the USCC and the case; the person searched for is in the keyed digest alone.
    const named = [...(company ? [company] : []), ...(stated ? [stated] : [])];
    const draft = (outcome: string, targets: string[]) => ({
      actor: viewer.subject,
      orgCode: org.code,
      role: viewer.role,
      operation,
      targets,
      inputDigest: inputDigest(this.config.piiKey, { uscc: company, legalRepIdNumber: person, caseNumber: stated, purpose }),
      outcome,
      requestId,
    });
    const refused = async (error: AppError) => {
      await this.audit.appendAlone(draft(error.code, named));
      return error;
    };

    if (stated !== null && !(await findOpenCase(this.dataSource, viewer, stated))) throw await refused(notAnOpenCase(stated));
    const [column, value] = company ? (["s.uscc", company] as const) : (["s.legal_rep_id_hash", this.vault.lookupHash(person!)] as const);
    try {
      // One transaction: the count of recent searches and this search's event commit together, so
      // concurrent searches (on any server instance) never pass the limit between them.
      return await this.dataSource.transaction(async (tx) => {
        if (byId) await this.refuseOverIdSearchLimit(tx, org, operation);
        const found = await this.holdingsOf(tx, viewer, column, value);
        await this.audit.append(tx, draft("SUCCESS", [...named, ...found.subscribers.map((s) => s.id)]));
        // A company's call centre may rent trunks without holding a number here: look it up by the USCC asked for too.
        const usccs = [...new Set([...(company ? [company] : []), ...found.subscribers.map((s) => s.uscc)])];
        return { ...found, usccs, resellerIds: [...new Set(found.subscribers.map((s) => s.resellerId))] };
      });
    } catch (error) {
      throw error instanceof AppError && error.extensions.reason === RATE_LIMITED ? await refused(error) : error;
    }
  }

  /**
   * A resident ID number as this viewer may see it: in full to the reseller that
   * registered the subscriber and the carriers that supply it (they verify it), and
   * to the police for an open case of their bureau or the one above it; masked to
   * everyone else. Every full read, and every refused case, is audited with the case.
   */
  async idNumber(viewer: Viewer, subscriber: Subscriber, field: IdField, caseNumber: string | null | undefined, requestId: string | null): Promise<string> {
    const plain = this.vault.decrypt(field === "legalRepIdNumber" ? subscriber.legalRepIdSealed : subscriber.handlerIdSealed);
    const org = viewer.organization;
    const stated = statedCase(caseNumber);
    const reach = idNumberReach(viewer, subscriber, stated !== null);
    if (reach === "MASKED") return maskIdNumber(plain);
    const forCase = reach === "CASE";
    const event = (outcome: string) => ({
      actor: viewer.subject,
      orgCode: org!.code,
      role: viewer.role,
      operation: `read:Subscriber.${field}`,
      targets: forCase ? [subscriber.id, stated!] : [subscriber.id],
      inputDigest: inputDigest(this.config.piiKey, { subscriberId: subscriber.id, field, caseNumber: stated }),
      outcome,
      requestId,
    });
    if (forCase && !(await findOpenCase(this.dataSource, viewer, stated!))) {
      const error = notAnOpenCase(stated!);
      await this.audit.appendAlone(event(error.code));
      throw error;
    }
    await this.audit.appendAlone(event("SUCCESS"));
    return plain;
  }

  /** For the per-request loader: the rows of the subscribers the viewer reaches; none for the others. */
  async documentsOf(viewer: Viewer, ids: readonly string[]): Promise<SubscriberDocument[][]> {
    const p = new SqlParams();
    const rows: SubscriberDocument[] = await this.dataSource.query(
      `SELECT ${DOCUMENT_COLUMNS} FROM subscriber_documents d JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.subscriber_id = ANY(${p.add(ids)}::uuid[]) AND ${subscribersVisible(viewer, "s", p)} ORDER BY d.attached_at, d.id`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.subscriberId);
  }

  /** For the per-request loader: the rows of the subscribers the viewer reaches; none for the others. */
  async checksOf(viewer: Viewer, ids: readonly string[]): Promise<VerificationCheck[][]> {
    const p = new SqlParams();
    const rows: VerificationCheck[] = await this.dataSource.query(
      `SELECT ${CHECK_COLUMNS} FROM verification_checks c JOIN subscribers s ON s.id = c.subscriber_id
        WHERE c.subscriber_id = ANY(${p.add(ids)}::uuid[]) AND ${subscribersVisible(viewer, "s", p)} ORDER BY c.at, c.id`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.subscriberId);
  }

  /** For the per-request loader: the rows of the subscribers the viewer reaches; none for the others. */
  async flagsOf(viewer: Viewer, ids: readonly string[]): Promise<RiskFlag[][]> {
    const p = new SqlParams();
    const rows: RiskFlag[] = await this.dataSource.query(
      `SELECT ${FLAG_COLUMNS} FROM risk_flags f JOIN subscribers s ON s.id = f.subscriber_id
        WHERE f.subscriber_id = ANY(${p.add(ids)}::uuid[]) AND ${subscribersVisible(viewer, "s", p)} ORDER BY f.raised_at, f.id`,
      p.values,
    );
    return groupByIds(ids, rows, (r) => r.subscriberId!);
  }

  /** Subscribers by id, for the per-request loader: those the viewer may not see are null. */
  async byIds(viewer: Viewer, ids: readonly string[]): Promise<(Subscriber | null)[]> {
    const p = new SqlParams();
    const rows: Subscriber[] = await this.dataSource.query(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers s WHERE s.id = ANY(${p.add(ids)}::uuid[]) AND ${subscribersVisible(viewer, "s", p)}`,
      p.values,
    );
    return oneByKeys(ids, rows, (r) => r.id);
  }

  // ---------------------------------------------------------------- helpers

  /** The number, locked, if it was wholesaled to this reseller; the same refusal whether or not it exists. */
  private async lockNumber(tx: EntityManager, number: string, reseller: ViewerOrganization) {
    const p = new SqlParams();
    const [row]: { number: string; status: NumberStatus; reseller_id: string | null; subscriber_id: string | null; reserved_until: Date | null }[] =
      await tx.query(`SELECT number, status, reseller_id, subscriber_id, reserved_until FROM numbers WHERE number = ${p.add(number)} FOR UPDATE`, p.values);
    if (!row || row.reseller_id !== reseller.id) throw forbidden(`${number} is not a number wholesaled to you`);
    if (row.status === NumberStatus.FORCE_STOPPED) {
      throw conflict(stoppedBy(number, (await ordersStopping(tx, [number])).get(number)), { reason: "FORCE_STOPPED" });
    }
    return row;
  }

  private async lockOwn(tx: EntityManager, id: string, reseller: ViewerOrganization): Promise<Subscriber> {
    const p = new SqlParams();
    const rows: Subscriber[] = isUuid(id)
      ? await tx.query(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers s WHERE s.id = ${p.add(id)} AND s.reseller_id = ${p.add(reseller.id)} FOR UPDATE`, p.values)
      : [];
    const row = rows[0];
    if (!row) throw notFound(`no subscriber ${id} registered by you`);
    return row;
  }

  private async lockVisible(tx: EntityManager, viewer: Viewer, id: string): Promise<Subscriber> {
    const p = new SqlParams();
    const sql = isUuid(id)
      ? `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers s WHERE s.id = ${p.add(id)} AND ${subscribersVisible(viewer, "s", p)} FOR UPDATE OF s`
      : null;
    const rows: Subscriber[] = sql ? await tx.query(sql, p.values) : [];
    const row = rows[0];
    if (!row) throw notFound(`no subscriber ${id} that you verify`);
    return row;
  }

  private async subscriberRow(tx: EntityManager, id: string): Promise<Subscriber> {
    const p = new SqlParams();
    const [row]: Subscriber[] = await tx.query(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers s WHERE s.id = ${p.add(id)}`, p.values);
    return row;
  }

  private async refuseBlacklisted(tx: EntityManager, uscc: string, legalRepHash: string, refused = "no new numbers"): Promise<void> {
    const p = new SqlParams();
    const [entry]: { who: string; reason: string }[] = await tx.query(
      `SELECT CASE WHEN uscc IS NOT NULL THEN 'the company' ELSE 'its legal representative' END AS who, reason
         FROM blacklist WHERE uscc = ${p.add(uscc)} OR legal_rep_id_hash = ${p.add(legalRepHash)} ORDER BY created_at LIMIT 1`,
      p.values,
    );
    if (entry) throw forbidden(`${entry.who} is blacklisted (${entry.reason}): ${refused}`);
  }

  private async raiseRegistrationFlags(tx: EntityManager, id: string, name: string, uscc: string, legalRepHash: string): Promise<void> {
    const p = new SqlParams();
    const namesakes: { id: string; name: string }[] = await tx.query(
      `SELECT id, name FROM subscribers
        WHERE uscc = ${p.add(uscc)} AND id <> ${p.add(id)} AND lower(name) <> lower(${p.add(name)}) AND identity_status <> 'REVOKED'`,
      p.values,
    );
    for (const other of namesakes) {
      await this.raiseFlag(tx, id, RiskKind.DUPLICATE_USCC, RiskSeverity.HIGH, `uscc:${other.id}`,
        `the USCC ${uscc} is also registered as "${other.name}"`);
    }
    const c = new SqlParams();
    const [{ companies }]: { companies: number }[] = await tx.query(
      `SELECT count(DISTINCT uscc)::int AS companies FROM subscribers WHERE legal_rep_id_hash = ${c.add(legalRepHash)} AND identity_status <> 'REVOKED'`,
      c.values,
    );
    const limit = this.config.rules.legalRepCompanyLimit;
    if (companies > limit) {
      await this.raiseFlag(tx, id, RiskKind.LEGAL_REP_SPREAD, RiskSeverity.HIGH, "legal-rep",
        `the legal representative stands behind ${companies} companies, more than the limit of ${limit}`);
    }
  }

  private async raiseFlag(tx: EntityManager, subscriberId: string, kind: RiskKind, severity: RiskSeverity, key: string, detail: string) {
    const p = new SqlParams();
    await tx.query(
      `INSERT INTO risk_flags (subscriber_id, kind, severity, key, detail)
       VALUES (${p.add(subscriberId)}, ${p.add(kind)}, ${p.add(severity)}, ${p.add(key)}, ${p.add(detail)})
       ON CONFLICT (coalesce(subscriber_id::text, number), kind, key) WHERE resolved_at IS NULL DO NOTHING`,
      p.values,
    );
  }

  private async facts(tx: EntityManager, subscriberId: string): Promise<VerificationFacts> {
    const p = new SqlParams();
    const papers: PaperOnFile[] = await tx.query(
      `SELECT DISTINCT ON (kind) kind, to_char(expires_on, 'YYYY-MM-DD') AS "expiresOn"
         FROM subscriber_documents WHERE subscriber_id = ${p.add(subscriberId)} ORDER BY kind, attached_at DESC, id`,
      p.values,
    );
    const c = new SqlParams();
    const checks: CheckOnFile[] = await tx.query(
      `SELECT DISTINCT ON (kind) kind, outcome, organization_id AS "organizationId"
         FROM verification_checks WHERE subscriber_id = ${c.add(subscriberId)} ORDER BY kind, at DESC, id`,
      c.values,
    );
    const f = new SqlParams();
    const flags: { detail: string }[] = await tx.query(
      `SELECT detail FROM risk_flags WHERE subscriber_id = ${f.add(subscriberId)} AND severity = 'HIGH' AND resolved_at IS NULL ORDER BY raised_at`,
      f.values,
    );
    const [{ today }]: { today: string }[] = await tx.query(`SELECT to_char(current_date, 'YYYY-MM-DD') AS today`);
    return { papers, checks, openHighFlags: flags.map((f) => f.detail), today };
  }

  /** One company's or one person's subscribers the viewer reaches, and their numbers it reaches. */
  private async holdingsOf(tx: EntityManager, viewer: Viewer, column: "s.uscc" | "s.legal_rep_id_hash", value: string) {
    const p = new SqlParams();
    const subscribers: Subscriber[] = await tx.query(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers s WHERE ${column} = ${p.add(value)} AND ${subscribersVisible(viewer, "s", p)} ORDER BY s.seq`,
      p.values,
    );
    const ids = subscribers.map((s) => s.id);
    const n = new SqlParams();
    const numbers: PhoneNumber[] = ids.length
      ? await tx.query(
          `SELECT ${NUMBER_COLUMNS} FROM numbers n WHERE n.subscriber_id = ANY(${n.add(ids)}::uuid[]) AND ${numbersVisible(viewer, "n", n)} ORDER BY n.number`,
          n.values,
        )
      : [];
    return { subscribers, numbers };
  }

  /**
   * FORBIDDEN (RATE_LIMITED) when the organisation has had its fill of searches by resident ID this minute.
   * Counted from the audit log (successful searches only), under a lock per organisation held to commit.
   */
  private async refuseOverIdSearchLimit(tx: EntityManager, org: ViewerOrganization, operation: string): Promise<void> {
    const limit = this.config.rules.holdingsIdSearchLimit;
    const l = new SqlParams();
    await tx.query(`SELECT pg_advisory_xact_lock(${l.add(HOLDINGS_LOCK_CLASS)}::int, hashtext(${l.add(org.code)}))`, l.values);
    const p = new SqlParams();
    const [{ recent, wait }]: { recent: number; wait: number | null }[] = await tx.query(
      `SELECT count(*)::int AS recent, greatest(1, ceil(extract(epoch FROM min(at) + interval '1 minute' - now())))::int AS wait
         FROM audit_events
        WHERE org_code = ${p.add(org.code)} AND operation = ${p.add(operation)} AND outcome = 'SUCCESS' AND at > now() - interval '1 minute'`,
      p.values,
    );
    if (recent < limit) return;
    throw new AppError(
      "FORBIDDEN",
      `your organisation has made ${recent} searches of holdings by resident ID number in the last minute, the most allowed (${limit}); try again in ${wait ?? 60} seconds`,
      { reason: RATE_LIMITED, retryAfterSeconds: wait ?? 60 },
    );
  }

  /** The codes checked again at approval, by their algorithms, as stored. */
  private codeProblems(subscriber: Subscriber): string[] {
    const problems: string[] = [];
    const uscc = parseUscc(subscriber.uscc);
    if (!uscc.ok) problems.push(`USCC: ${uscc.reason}`);
    for (const [label, sealed] of [["legal representative's ID", subscriber.legalRepIdSealed], ["handler's ID", subscriber.handlerIdSealed]]) {
      const id = parseResidentId(this.vault.decrypt(sealed));
      if (!id.ok) problems.push(`${label}: ${id.reason}`);
    }
    return problems;
  }
}

const HOLDINGS_LOCK_CLASS = 1_311_400_013;
const RATE_LIMITED = "RATE_LIMITED";
const PURPOSE_MIN = 10;
const PURPOSE_MAX = 500;

/** What a search of holdings names: one company or one person, and why. */
export interface HoldingsSearch {
  uscc?: string | null;
  legalRepIdNumber?: string | null;
  /** POLICE: an open case of the bureau or the one above it. */
  caseNumber?: string | null;
  /** REGULATOR: why the search is made. */
  purpose?: string | null;
}

/** A stated case number, trimmed; null when none is stated; BAD_USER_INPUT when it cannot be one. */
function statedCase(text: string | null | undefined): string | null {
  if (!text?.trim()) return null;
  const caseNumber = caseNumberOf(text);
  if (caseNumber === null) throw badInput(CASE_NUMBER_RULE, { argument: "caseNumber" });
  return caseNumber;
}

function statedPurpose(text: string | null | undefined): string | null {
  if (text == null) return null;
  const purpose = text.trim();
  if (purpose.length < PURPOSE_MIN || purpose.length > PURPOSE_MAX) {
    throw badInput(`purpose must be ${PURPOSE_MIN}-${PURPOSE_MAX} characters saying why the search is made`, { argument: "purpose" });
  }
  return purpose;
}

const notAnOpenCase = (caseNumber: string) =>
  new AppError("FORBIDDEN", `"${caseNumber}" is not an open case of your bureau or of the bureau above it: open it with openCase, or state one that is open`, {
    reason: "NO_OPEN_CASE",
  });
