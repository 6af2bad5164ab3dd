import { DataSource } from "typeorm";
import type { Viewer } from "../../shared/auth/viewer";
import { badInput, conflict, forbidden, isUniqueViolation, notFound } from "../../shared/errors";
import { SqlParams, maintainsNationalLists } from "../../shared/policy";
import type { UnitOfWork } from "../../shared/unit-of-work";
import { MarketingNumber } from "./marketing-number.entity";
import { MARKETING_NUMBER, SetOfficialMarketingNumberInput } from "./marketing-number.inputs";

const NATIONAL_ONLY = "only the national regulator (MIIT) maintains the official marketing numbers";

export class MarketingNumberService {
  constructor(private readonly dataSource: DataSource) {}

  /** Public: who may call you for marketing, and from which number (retired ones are no longer listed). */
  async list(): Promise<MarketingNumber[]> {
    const rows: MarketingNumber[] = await this.dataSource.query(
      `SELECT o.name AS "carrierName", m.number AS "number"
         FROM official_marketing_numbers m JOIN organizations o ON o.id = m.carrier_id
        WHERE m.retired_at IS NULL
        ORDER BY m.number`,
    );
    return rows;
  }

  /**
   * Makes a number a carrier group's official marketing number; setting it again for the same carrier
   * changes nothing, and a retired one comes back (for whichever carrier is named). A number current for
   * another carrier is retired first.
   */
  async set(viewer: Viewer, input: SetOfficialMarketingNumberInput, mutation: UnitOfWork): Promise<MarketingNumber> {
    const { number, carrierCode } = input;
    mutation.target(number, carrierCode);
    if (!maintainsNationalLists(viewer)) throw forbidden(NATIONAL_ONLY);

    return mutation.run(async (tx) => {
      const c = new SqlParams();
      const [carrier]: { id: string; name: string; group: boolean }[] = await tx.query(
        `SELECT o.id, o.name, (o.kind = 'CARRIER' AND o.parent_id IS NULL) AS "group" FROM organizations o WHERE o.code = ${c.add(carrierCode)}`,
        c.values,
      );
      if (!carrier) throw notFound(`no organisation has the code ${carrierCode}`);
      if (!carrier.group) {
        throw badInput(`${carrierCode} is not a carrier group: an official marketing number belongs to a top-level CARRIER`, { argument: "carrierCode" });
      }
      const e = new SqlParams();
      const [existing]: { carrierId: string; carrierName: string; retired: boolean }[] = await tx.query(
        `SELECT m.carrier_id AS "carrierId", o.name AS "carrierName", m.retired_at IS NOT NULL AS retired
           FROM official_marketing_numbers m JOIN organizations o ON o.id = m.carrier_id
          WHERE m.number = ${e.add(number)} FOR UPDATE OF m`,
        e.values,
      );
      const result = { carrierName: carrier.name, number };
      if (existing && !existing.retired) {
        if (existing.carrierId === carrier.id) return { result, targets: [number, carrierCode] };
        throw conflict(`${number} is ${existing.carrierName}'s official marketing number: retire it first`);
      }
      const w = new SqlParams();
      try {
        await tx.query(
          existing
            ? `UPDATE official_marketing_numbers SET carrier_id = ${w.add(carrier.id)}, retired_at = NULL WHERE number = ${w.add(number)}`
            : `INSERT INTO official_marketing_numbers (carrier_id, number) VALUES (${w.add(carrier.id)}, ${w.add(number)})`,
          w.values,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`${number} was made an official marketing number meanwhile`);
        throw error;
      }
      return { result, targets: [number, carrierCode] };
    });
  }

  /** Retires a current official marketing number: it leaves the public list, and the record stays. */
  async retire(viewer: Viewer, text: string, mutation: UnitOfWork): Promise<MarketingNumber> {
    const number = text.trim();
    mutation.target(number);
    if (!maintainsNationalLists(viewer)) throw forbidden(NATIONAL_ONLY);
    if (!MARKETING_NUMBER.test(number)) throw badInput("number must be 5-20 digits, a short service number or a fixed line", { argument: "number" });

    return mutation.run(async (tx) => {
      const p = new SqlParams();
      const [retired]: MarketingNumber[] = await tx.query(
        // A CTE, so the driver hands back the rows (an UPDATE's result comes with its row count).
        `WITH retired AS (
           UPDATE official_marketing_numbers m SET retired_at = now() FROM organizations o
            WHERE m.number = ${p.add(number)} AND m.retired_at IS NULL AND o.id = m.carrier_id
            RETURNING o.name AS "carrierName", m.number AS "number")
         SELECT "carrierName", number FROM retired`,
        p.values,
      );
      if (!retired) throw notFound(`${number} is not a current official marketing number`);
      return { result: retired, targets: [number] };
    });
  }
}
