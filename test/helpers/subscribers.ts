import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { usccCheckCharacter } from "../../src/shared/identity/uscc";
import type { As, TestApp } from "./app";

/** A valid USCC from its first 17 characters. */
export const uscc = (body: string) => body + usccCheckCharacter(body);
/** A valid resident ID number of Dalian from a birth date and a sequence. */
export const residentId = (birth: string, seq: string) => {
  const body = `210102${birth}${seq}`;
  return body + residentIdCheckCharacter(body);
};

export const PAPERS = ["BUSINESS_LICENSE", "LEGAL_REP_ID", "HANDLER_ID", "AUTHORIZATION_LETTER", "SECURITY_COMMITMENT", "VERIFICATION_VIDEO"];

const REGISTER = `mutation($input: RegisterSubscriberInput!) { registerSubscriber(input: $input) { id uscc } }`;
const ATTACH = `mutation($id: ID!, $input: AttachDocumentInput!) { attachDocument(subscriberId: $id, input: $input) { id } }`;
const ASSIGN = `mutation($n: String!, $id: ID!) { assignNumber(number: $n, subscriberId: $id) { number status } }`;
const CHECK = `mutation($id: ID!, $kind: CheckKind!) { recordCheck(subscriberId: $id, input: { kind: $kind, outcome: PASSED }) { id } }`;

/**
 * Builds subscribers the way a reseller and a carrier do through the API, each one a different company
 * (its own USCC, legal representative and papers), for one test file's app.
 */
export class SubscriberBuilder {
  private sequence = 0;

  constructor(private readonly app: TestApp, private readonly prefix: string) {}

  private async ok(as: As, query: string, variables: Record<string, unknown>) {
    const body = await this.app.exec(as, query, variables);
    if (body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
    return body.data!;
  }

  /** A new company's registration input; `overrides` replace its fields. */
  input(overrides: Record<string, unknown> = {}) {
    this.sequence += 1;
    const n = String(this.sequence).padStart(6, "0");
    return {
      name: `${this.prefix} Example ${n} Co., Ltd.`,
      uscc: uscc(`91210200MA${n}${this.prefix.slice(0, 1).toUpperCase().replace(/[^0-9A-HJ-NPQRTUWXY]/, "Y")}`),
      legalRep: { name: "Zhou Qi", idNumber: residentId("19750303", String(100 + (this.sequence % 900)).padStart(3, "0")) },
      handler: { name: "Wu Ba", idNumber: residentId("19850404", String(100 + (this.sequence % 900)).padStart(3, "0")) },
      landline: "041188886666",
      address: "2 Example Road, Dalian",
      businessScope: "Retail",
      declaredUse: "Customer service hotline",
      ...overrides,
    };
  }

  /** Registered by `reseller` with every paper, `numbers` assigned (PENDING_VERIFICATION), both landline checks passed. */
  async ready(reseller: As, carrier: As, numbers: string[]): Promise<string> {
    const { registerSubscriber: s } = await this.ok(reseller, REGISTER, { input: this.input() });
    for (const [i, kind] of PAPERS.entries()) {
      await this.ok(reseller, ATTACH, {
        id: s.id,
        input: { kind, sha256: `${this.prefix.length}${this.sequence}x${i}`.replace(/[^0-9a-f]/g, "e").padStart(64, "d"), mediaType: "application/pdf",
          sizeBytes: 1024, storageUri: `s3://evidence/${this.prefix}/${this.sequence}/${i}` },
      });
    }
    for (const n of numbers) await this.ok(reseller, ASSIGN, { n, id: s.id });
    await this.ok(reseller, CHECK, { id: s.id, kind: "LANDLINE_CALLBACK" });
    await this.ok(carrier, CHECK, { id: s.id, kind: "LANDLINE_RECHECK" });
    return s.id as string;
  }

  /** ready(), then submitted and approved by `carrier`. */
  async verified(reseller: As, carrier: As, numbers: string[]): Promise<string> {
    const id = await this.ready(reseller, carrier, numbers);
    await this.ok(reseller, `mutation($id: ID!) { submitSubscriber(subscriberId: $id) { identityStatus } }`, { id });
    await this.ok(carrier, `mutation($id: ID!) { approveSubscriber(subscriberId: $id) { identityStatus } }`, { id });
    return id;
  }
}
