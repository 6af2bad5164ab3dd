import type { Services } from "../app/services";
import { AuditedMutation } from "../modules/audit";
import type { CreateOrganizationInput } from "../modules/organizations/organization.inputs";
import { permissionsOf } from "../shared/auth/permissions";
import { OrganizationKind as K, Role } from "../shared/auth/roles";
import type { Viewer } from "../shared/auth/viewer";

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
  const [done] = await services.dataSource.query("SELECT value FROM registry_meta WHERE key = $1", [SEEDED_KEY]);
  if (done) return false;
  const platform = await services.organizations.forToken("PLATFORM", Role.ADMIN);
  const seeder: Viewer = { subject: "demo-seed", role: Role.ADMIN, organization: platform, permissions: permissionsOf(Role.ADMIN) };
  const unit = (operation: string, args: unknown) =>
    AuditedMutation.start(services.dataSource, services.audit, services.config.piiKey, seeder, operation, args, null);

  for (const input of DEMO_ORGANIZATIONS) {
    const exists = await services.organizations.get(seeder, input.code);
    if (!exists) await services.organizations.create(seeder, input as CreateOrganizationInput, unit("createOrganization", { input }));
  }
  await unit("seedDemoData", { marketingNumbers: DEMO_MARKETING_NUMBERS }).run(async (tx) => {
    for (const { carrier, number } of DEMO_MARKETING_NUMBERS) {
      await tx.query(
        `INSERT INTO official_marketing_numbers (carrier_id, number)
         SELECT id, $2 FROM organizations WHERE code = $1 ON CONFLICT (number) DO NOTHING`,
        [carrier, number],
      );
    }
    await tx.query("INSERT INTO registry_meta (key, value) VALUES ($1, now()::text)", [SEEDED_KEY]);
    return { result: undefined, targets: DEMO_MARKETING_NUMBERS.map((m) => m.number) };
  });
  return true;
}
