import type { Services } from "../app/services";
import { AuditedMutation } from "../modules/audit";
import { CheckKind, CheckOutcome, DocumentKind, REQUIRED_PAPERS } from "../modules/subscribers/identity-rules";
import type { RegisterSubscriberInput } from "../modules/subscribers/subscriber.inputs";
import { permissionsOf } from "../shared/auth/permissions";
import { Role } from "../shared/auth/roles";
import type { Viewer } from "../shared/auth/viewer";
import { SqlParams } from "../shared/policy";

export type DemoRole = Exclude<Role, Role.PUBLIC>;

/** A code from its body and its check-character algorithm (GB 32100 for a USCC, GB 11643 for a resident ID). */
export const withCheck = (body: string, check: (b: string) => string) => body + check(body);

/**
 * The demo seeds' callers: each demo organisation as a caller of its role (made once), and an audited unit
 * of work for each operation, so every demo row goes through the services and the audit chain.
 */
export function demoActors(services: Services) {
  const viewers = new Map<string, Viewer>();
  const as = async (code: string, role: DemoRole): Promise<Viewer> => {
    const key = `${code}/${role}`;
    if (!viewers.has(key)) {
      viewers.set(key, { subject: "demo-seed", role, organization: await services.organizations.forToken(code, role), permissions: permissionsOf(role) });
    }
    return viewers.get(key)!;
  };
  const unit = (viewer: Viewer, operation: string, args: unknown) =>
    AuditedMutation.start(services.dataSource, services.audit, services.config.piiKey, viewer, operation, args, null);
  return { as, unit };
}

export type DemoActors = ReturnType<typeof demoActors>;

/** A demo company: its registration, the numbers the reseller reserves and assigns it, and whether the carrier verifies it. */
export type DemoCompany = RegisterSubscriberInput & { numbers: string[]; verify: boolean };

/**
 * A company registered by `reseller` with every paper (`paperSeed` makes their digests its own), its numbers
 * reserved and assigned, and, when `verify`, both landline checks, submitted and approved by `carrier`.
 * Skipped when a company with its USCC exists. Returns its id.
 */
export async function seedCompany(services: Services, actors: DemoActors, reseller: Viewer, carrier: Viewer, demo: DemoCompany, paperSeed: string): Promise<string> {
  const { unit } = actors;
  const e = new SqlParams();
  const [existing]: { id: string }[] = await services.dataSource.query(`SELECT id FROM subscribers WHERE uscc = ${e.add(demo.uscc)}`, e.values);
  if (existing) return existing.id;
  const { numbers, verify, ...input } = demo;
  const { id } = await services.subscribers.register(reseller, input, unit(reseller, "registerSubscriber", { input }));
  for (const [j, kind] of REQUIRED_PAPERS.entries()) {
    const paper = {
      kind, sha256: `${paperSeed}${j}`.padStart(64, "d"), mediaType: kind === DocumentKind.VERIFICATION_VIDEO ? "video/mp4" : "application/pdf",
      sizeBytes: 250_000, storageUri: `s3://registry-demo-evidence/${id}/${kind.toLowerCase()}`, expiresOn: "2031-12-31",
    };
    await services.subscribers.attachDocument(reseller, id, paper, unit(reseller, "attachDocument", { subscriberId: id, input: paper }));
  }
  for (const number of numbers) {
    await services.subscribers.reserve(reseller, number, unit(reseller, "reserveNumber", { number }));
    await services.subscribers.assign(reseller, number, id, unit(reseller, "assignNumber", { number, subscriberId: id }));
  }
  if (!verify) return id;
  const callback = { kind: CheckKind.LANDLINE_CALLBACK, outcome: CheckOutcome.PASSED, note: "called the landline, the handler confirmed" };
  await services.subscribers.recordCheck(reseller, id, callback, unit(reseller, "recordCheck", { subscriberId: id, input: callback }));
  const recheck = { kind: CheckKind.LANDLINE_RECHECK, outcome: CheckOutcome.PASSED, note: "re-called, confirmed" };
  await services.subscribers.recordCheck(carrier, id, recheck, unit(carrier, "recordCheck", { subscriberId: id, input: recheck }));
  await services.subscribers.submit(reseller, id, unit(reseller, "submitSubscriber", { subscriberId: id }));
  await services.subscribers.approve(carrier, id, unit(carrier, "approveSubscriber", { subscriberId: id }));
  return id;
}
