import type { Services } from "../app/services";
import { ComplianceSnapshotSource } from "../modules/compliance/compliance-snapshots";
import { NumberStatus } from "../modules/numbers/number-status";
import { ShutdownReason } from "../modules/shutdown/shutdown.entity";
import { Role } from "../shared/auth/roles";
import { chinaDayOf } from "../shared/dates";
import { residentIdCheckCharacter } from "../shared/identity/resident-id";
import { usccCheckCharacter } from "../shared/identity/uscc";
import { DemoActors, DemoCompany, seedCompany, withCheck } from "./demo-actors";

/** A company whose five numbers show a deposit in each state (README, "A number's deposit"). */
export const DEMO_DEPOSIT_COMPANY: DemoCompany = {
  name: "Tieling Yinzhou Grain Trading Co., Ltd.",
  uscc: withCheck("91211200MA0TLYN14", usccCheckCharacter),
  legalRep: { name: "Qian Shulan", idNumber: withCheck("21120219780215015", residentIdCheckCharacter) },
  handler: { name: "Lu Dawei", idNumber: withCheck("21120219910630016", residentIdCheckCharacter) },
  landline: "02472345678",
  address: "9 Chaiyang Street, Yinzhou District, Tieling",
  businessScope: "Wholesale of grain and edible oil",
  declaredUse: "Order hotline",
  numbers: ["4001000150", "4001000151", "4001000152", "4001000153", "4001000154"],
  verify: true,
};

/**
 * The deposit schedules (national CNY 2,000 received before service; Guangdong's own CNY 1,000 that may
 * follow within 30 days), and one company's numbers through every state: 4001000150 DUE (waiting for it),
 * …151 HELD (in service), …152 FORFEITED (fraud confirmed on a shutdown order), …153 RELEASED (closed),
 * …154 REFUNDED. After the 90 days' history, so its story is untouched.
 */
export async function seedDemoDeposits(services: Services, actors: DemoActors): Promise<void> {
  const { as, unit } = actors;
  const miit = await as("MIIT", Role.REGULATOR);
  const carrier = await as("CT-LN", Role.CARRIER);
  const today = chinaDayOf(new Date());
  for (const input of [{ amountCny: 2000, effectiveFrom: today }, { amountCny: 1000, effectiveFrom: today, province: "44", followDays: 30 }]) {
    await services.deposits.setSchedule(miit, input, unit(miit, "setDepositSchedule", { input }));
  }
  const [, held, forfeited, released, refunded] = DEMO_DEPOSIT_COMPANY.numbers;
  await seedCompany(services, actors, await as("RS-HUATONG", Role.RESELLER), carrier, DEMO_DEPOSIT_COMPANY, "9");
  for (const [n, number] of [held, forfeited, released, refunded].entries()) {
    const reference = `CT-LN receipt 2026-${String(n + 1).padStart(4, "0")}`;
    await services.deposits.recordReceived(carrier, number, reference, unit(carrier, "recordDepositReceived", { number, reference }));
  }
  const police = await as("PSB-LN", Role.POLICE);
  const order = {
    numbers: [forfeited], caseNumber: "LN-TL-2026-0152", legalBasis: "Anti-Telecom Fraud Law, Article 21",
    reason: ShutdownReason.TELECOM_FRAUD, note: "impersonated a grain subsidy office",
  };
  const { id } = await services.shutdown.issue(police, order, unit(police, "issueShutdownOrder", { input: order }));
  const decision = "Tieling Intermediate Court (2026) Liao 12 Xing Chu 152";
  await services.deposits.confirmFraud(police, id, [forfeited], decision, unit(police, "confirmFraud", { orderId: id, numbers: [forfeited], decisionReference: decision }));
  const closed = { idempotencyKey: "demo-closed-153-154", numbers: [{ number: released, status: NumberStatus.TERMINATED }, { number: refunded, status: NumberStatus.TERMINATED }] };
  await services.numbers.sync(carrier, closed, unit(carrier, "syncNumbers", { input: closed }));
  const refund = "CT-LN refund 2026-0001";
  await services.deposits.recordRefunded(carrier, refunded, refund, unit(carrier, "recordDepositRefunded", { number: refunded, reference: refund }));
  // Today's snapshot again, with these numbers: the day's last snapshot is the day's figures.
  await services.complianceSnapshots.take(undefined, ComplianceSnapshotSource.DEMO);
}
