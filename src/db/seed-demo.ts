import type { Services } from "../app/services";
import type { CreateOrganizationInput } from "../modules/organizations/organization.inputs";
import { OrganizationKind as K, Role } from "../shared/auth/roles";
import { residentIdCheckCharacter } from "../shared/identity/resident-id";
import { usccCheckCharacter } from "../shared/identity/uscc";
import { SqlParams } from "../shared/policy";
import { DemoActors, DemoCompany, demoActors, seedCompany, withCheck } from "./demo-actors";
import { seedDemoDeposits } from "./seed-demo-deposits";
import { seedDemoHistory } from "./seed-demo-history";

type Demo = Omit<CreateOrganizationInput, "province" | "parentCode"> & { province?: string; parentCode?: string };

/** The demo parties (README, "Demo data"), parents before children. */
export const DEMO_ORGANIZATIONS: Demo[] = [
  { code: "CT", name: "China Telecom", kind: K.CARRIER },
  { code: "CT-LN", name: "China Telecom Liaoning Branch", kind: K.CARRIER, parentCode: "CT", province: "21" },
  { code: "CT-LN-TL", name: "China Telecom Tieling Branch", kind: K.CARRIER, parentCode: "CT-LN" },
  { code: "CT-ZJ", name: "China Telecom Zhejiang Branch", kind: K.CARRIER, parentCode: "CT", province: "33" },
  { code: "CM", name: "China Mobile", kind: K.CARRIER },
  { code: "CM-GD", name: "China Mobile Guangdong Branch", kind: K.CARRIER, parentCode: "CM", province: "44" },
  { code: "CM-GD-SZ", name: "China Mobile Shenzhen Branch", kind: K.CARRIER, parentCode: "CM-GD" },
  { code: "CU", name: "China Unicom", kind: K.CARRIER },
  { code: "CU-YN", name: "China Unicom Yunnan Branch", kind: K.CARRIER, parentCode: "CU", province: "53" },
  { code: "CBN", name: "China Broadnet", kind: K.CARRIER },
  { code: "CBN-BJ", name: "China Broadnet Beijing Branch", kind: K.CARRIER, parentCode: "CBN", province: "11" },
  { code: "MIIT", name: "Ministry of Industry and Information Technology", kind: K.REGULATOR },
  { code: "CA-LN", name: "Liaoning Communications Administration", kind: K.REGULATOR, parentCode: "MIIT", province: "21" },
  { code: "CA-ZJ", name: "Zhejiang Communications Administration", kind: K.REGULATOR, parentCode: "MIIT", province: "33" },
  { code: "MPS", name: "Ministry of Public Security", kind: K.POLICE },
  { code: "PSB-LN", name: "Liaoning Provincial Public Security Department", kind: K.POLICE, parentCode: "MPS", province: "21" },
  { code: "RS-HUATONG", name: "Huatong Communications Agency Co., Ltd.", kind: K.RESELLER, province: "21" },
  { code: "RS-HUATONG-DL", name: "Dalian Huatong Sub-agency Co., Ltd.", kind: K.RESELLER, parentCode: "RS-HUATONG" },
  { code: "RS-XINGHE", name: "Xinghe Number Services Co., Ltd.", kind: K.RESELLER, province: "33" },
  { code: "CC-JINHAI", name: "Jinhai Call Centre Services Co., Ltd.", kind: K.CALL_CENTER, province: "21" },
];

/** Official outbound marketing numbers since 2025, by carrier group. */
export const DEMO_MARKETING_NUMBERS = [
  { carrier: "CT", number: "10001" },
  { carrier: "CM", number: "10085" },
  { carrier: "CU", number: "10016" },
];

/** The token for each demo role that `npm start` suggests. */
export const DEMO_TOKENS = [
  { org: "PLATFORM", role: Role.ADMIN },
  { org: "CT-LN", role: Role.CARRIER },
  { org: "RS-HUATONG", role: Role.RESELLER },
  { org: "CC-JINHAI", role: Role.CALL_CENTER },
  { org: "PSB-LN", role: Role.POLICE },
  { org: "MIIT", role: Role.REGULATOR },
];

const SEEDED_KEY = "demo_seeded_at";

/** Loads the demo data once; every row goes through the services, so the audit chain records it. */
export async function seedDemo(services: Services): Promise<boolean> {
  const s = new SqlParams();
  const [done]: { value: string }[] = await services.dataSource.query(`SELECT value FROM registry_meta WHERE key = ${s.add(SEEDED_KEY)}`, s.values);
  if (done) return false;
  const actors = demoActors(services);
  const seeder = await actors.as("PLATFORM", Role.ADMIN);
  const unit = (operation: string, args: unknown) => actors.unit(seeder, operation, args);

  for (const input of DEMO_ORGANIZATIONS) {
    const exists = await services.organizations.get(seeder, input.code);
    if (!exists) await services.organizations.create(seeder, input as CreateOrganizationInput, unit("createOrganization", { input }));
  }
  await seedNumbersAndSubscribers(services, actors);
  await seedDemoHistory(services, actors);
  await seedDemoDeposits(services, actors);
  await unit("seedDemoData", { marketingNumbers: DEMO_MARKETING_NUMBERS }).run(async (tx) => {
    for (const { carrier, number } of DEMO_MARKETING_NUMBERS) {
      const p = new SqlParams();
      await tx.query(
        `INSERT INTO official_marketing_numbers (carrier_id, number)
         SELECT id, ${p.add(number)} FROM organizations WHERE code = ${p.add(carrier)} ON CONFLICT (number) DO NOTHING`,
        p.values,
      );
    }
    const m = new SqlParams();
    await tx.query(`INSERT INTO registry_meta (key, value) VALUES (${m.add(SEEDED_KEY)}, now()::text)`, m.values);
    return { result: undefined, targets: DEMO_MARKETING_NUMBERS.map((m) => m.number) };
  });
  return true;
}

/** Demo companies: one verified with numbers in service, one still a draft with a number waiting. */
export const DEMO_SUBSCRIBERS: DemoCompany[] = [
  {
    name: "Shenyang Beifang Machinery Co., Ltd.",
    uscc: withCheck("91210102MA0BFJX01", usccCheckCharacter),
    legalRep: { name: "Liu Jianguo", idNumber: withCheck("21010219700312001", residentIdCheckCharacter) },
    handler: { name: "Chen Xiaomei", idNumber: withCheck("21010319880921002", residentIdCheckCharacter) },
    landline: "02423456789",
    address: "18 Beiling Street, Huanggu District, Shenyang",
    businessScope: "Manufacture and sale of mining machinery",
    declaredUse: "After-sales service hotline",
    numbers: ["4001000000", "4001000001"],
    verify: true,
  },
  {
    name: "Dalian Haiyun Logistics Co., Ltd.",
    uscc: withCheck("91210200MA0HYLG02", usccCheckCharacter),
    legalRep: { name: "Wang Haiyun", idNumber: withCheck("21020219751105003", residentIdCheckCharacter) },
    handler: { name: "Zhou Min", idNumber: withCheck("21020419920417004", residentIdCheckCharacter) },
    landline: "041182345678",
    address: "6 Gangwan Street, Zhongshan District, Dalian",
    businessScope: "Freight forwarding and warehousing",
    declaredUse: "Customer booking line",
    numbers: ["4001000002"],
    verify: false,
  },
];

/**
 * Numbers for the demo carriers, a reseller's stock, and the two companies above,
 * each step through the service a real caller would use, as that caller.
 */
async function seedNumbersAndSubscribers(services: Services, actors: DemoActors): Promise<void> {
  const { as, unit } = actors;
  const carrier = await as("CT-LN", Role.CARRIER);
  const reseller = await as("RS-HUATONG", Role.RESELLER);

  for (const [viewer, input] of [
    [carrier, { rangeStart: "4001000000", rangeEnd: "4001000999", province: "21" }],
    [await as("CM-GD", Role.CARRIER), { rangeStart: "4006000000", rangeEnd: "4006000499", province: "44" }],
  ] as const) {
    await services.numbers.publish(viewer, input, unit(viewer, "publishAllocation", { input }));
  }
  const stock = { numbers: Array.from({ length: 200 }, (_, i) => String(4001000000 + i)), resellerCode: "RS-HUATONG" };
  await services.numbers.wholesale(carrier, stock, unit(carrier, "wholesaleNumbers", { input: stock }));

  for (const [i, demo] of DEMO_SUBSCRIBERS.entries()) await seedCompany(services, actors, reseller, carrier, demo, String(i));
}
