import { DataSource } from "typeorm";
import { MarketingNumber } from "./marketing-number.entity";

export class MarketingNumberService {
  constructor(private readonly dataSource: DataSource) {}

  /** Public: who may call you for marketing, and from which number. */
  async list(): Promise<MarketingNumber[]> {
    const rows: MarketingNumber[] = await this.dataSource.query(
      `SELECT o.name AS "carrierName", m.number AS "number"
         FROM official_marketing_numbers m JOIN organizations o ON o.id = m.carrier_id
        ORDER BY m.number`,
    );
    return rows;
  }
}
