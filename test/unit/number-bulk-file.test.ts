import { rowsOf } from "../../src/modules/numbers/number-bulk-file";
import { isNumberSql } from "../../src/modules/numbers/number-format";
import { ChangeCause, NUMBER_STATUSES, refusal, refusalTable } from "../../src/modules/numbers/number-status";

const limits = { maxBytes: 1 << 20, maxRows: 100, maxLineBytes: 100 };

async function read(chunks: string[], format: "csv" | "ndjson" = "csv", given = limits) {
  const digest = { bytes: 0 } as { hex?: string; bytes: number };
  const rows = [];
  for await (const batch of rowsOf((async function* () { for (const c of chunks) yield Buffer.from(c); })(), format, given, digest)) rows.push(...batch);
  return { rows, digest };
}

describe("a carrier's file, as it streams", () => {
  it("reads a header, CRLF, a BOM and quoted fields, whatever the chunks' boundaries", async () => {
    const text = '\uFEFFnumber,status,resellerCode,province\r\n4001000000,spare,,\r\n"400-100-0001",SPARE,RS-A,21\r\n\r\n4001000002,AGING,,44';
    for (const size of [1, 3, 7, text.length]) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g"))!;
      const { rows, digest } = await read(chunks);
      expect(rows).toEqual([
        { line: 2, number: "4001000000", status: "SPARE", resellerCode: null },
        { line: 3, number: "400-100-0001", status: "SPARE", resellerCode: "RS-A", province: "21" },
        { line: 5, number: "4001000002", status: "AGING", resellerCode: null, province: "44" },
      ]);
      expect(digest.bytes).toBe(Buffer.byteLength(text));
      expect(digest.hex).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("takes a file without a header by position", async () => {
    const { rows } = await read(["4001000000,SPARE\n4001000001,SPARE,\n"]);
    expect(rows).toEqual([{ line: 1, number: "4001000000", status: "SPARE" }, { line: 2, number: "4001000001", status: "SPARE", resellerCode: null }]);
  });

  it("reads NDJSON items as syncNumbers' items", async () => {
    const { rows } = await read(['{"number":"4001000000","status":"SPARE","resellerCode":null,"province":null}\n'], "ndjson");
    expect(rows).toEqual([{ line: 1, number: "4001000000", status: "SPARE", resellerCode: null, province: null }]);
  });

  it("refuses a long line, too many rows and too many bytes, naming the limit", async () => {
    await expect(read([`4001000000,SPARE\n${"9".repeat(200)}`])).rejects.toThrow(/line 2 is longer than 100 bytes/);
    await expect(read(["4001000000,SPARE\n".repeat(3)], "csv", { ...limits, maxRows: 2 })).rejects.toThrow(/BULK_MAX_ROWS/);
    await expect(read(["4001000000,SPARE\n".repeat(3)], "csv", { ...limits, maxBytes: 20 })).rejects.toThrow(/BULK_MAX_BYTES/);
  });
});

describe("the SQL the engine generates", () => {
  it("takes the refusals for a sync from refusal() itself", () => {
    const table = refusalTable(ChangeCause.SYNC);
    for (const from of NUMBER_STATUSES) {
      for (const to of NUMBER_STATUSES) {
        expect(table.find((r) => r.from === from && r.to === to)?.reason ?? null).toBe(refusal(from, to, ChangeCause.SYNC));
      }
    }
  });

  it("checks the number's forms with canonicalNumber's patterns", () => {
    expect(isNumberSql("x")).toBe("(x ~ '^400[0-9]{7}$' OR x ~ '^400-[0-9]{3}-[0-9]{4}$' OR x ~ '^400 [0-9]{3} [0-9]{4}$')");
  });
});
