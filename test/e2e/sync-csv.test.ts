import { mkdtempSync, writeFileSync } from "node:fs";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CsvError, splitCsvLine, syncCsv } from "../../src/cli/sync";
import { Role } from "../../src/shared/auth/roles";
import { TestApp, startTestApp } from "../helpers/app";

let app: TestApp;
let url: string;
let token: string;
const dir = mkdtempSync(path.join(tmpdir(), "registry-sync-"));

beforeAll(async () => {
  app = await startTestApp();
  const create = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`;
  for (const input of [
    { code: "CU", name: "China Unicom", kind: "CARRIER", province: "53" },
    { code: "RS-Y", name: "Agent Y", kind: "RESELLER" },
  ]) {
    await app.exec({ org: "PLATFORM", role: Role.ADMIN }, create, { input });
  }
  await new Promise<void>((resolve) => app.server.httpServer.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(app.server.httpServer.address() as AddressInfo).port}/graphql`;
  token = await app.token("CU", Role.CARRIER);
});
afterAll(async () => {
  await new Promise((resolve) => app.server.httpServer.close(resolve));
  await app.close();
});

const csv = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("npm run sync", () => {
  it("streams a CSV to POST /bulk/numbers and sums up the rejects with their lines", async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `${4008000000 + i},spare,${i % 10 === 0 ? "RS-Y" : ""},53`);
    rows[7] = "400-800-0007x,SPARE,,53";
    rows[8] = "4008000008,ACTIVE,,53";
    const file = csv("numbers.csv", `\uFEFFnumber,status,resellerCode,province\r\n${rows.join("\r\n")}\r\n`);
    const progress: number[] = [];
    const summary = await syncCsv({ file, url, token, batch: 1000, onProgress: (_bytes, n) => progress.push(n) });
    expect(summary).toMatchObject({ rows: 2500, batches: 1, created: 2498, updated: 0, unchanged: 0 });
    expect(summary.rejected).toEqual([
      { line: 9, number: "400-800-0007x", reason: expect.stringContaining("malformed") },
      { line: 10, number: "4008000008", reason: expect.stringContaining("starts SPARE or AGING") },
    ]);
    expect(progress.at(-1)).toBe(2500);
    const wholesaled = await app.exec({ org: "RS-Y", role: Role.RESELLER }, `{ numbers { totalCount } }`);
    expect(wholesaled.data!.numbers.totalCount).toBe(250);

    // The same file again: a replay of its first result.
    const again = await syncCsv({ file, url, token, batch: 1000 });
    expect(again).toEqual(summary);
  });

  it("a file changed since is a new sync, applied over what is there", async () => {
    const file = csv("later.csv", "number,status\n4008000001,SPARE\n4008000002,SPARE\n");
    expect(await syncCsv({ file, url, token })).toMatchObject({ rows: 2, created: 0, unchanged: 2 });
  });

  it("refuses a file without a proper header or with ragged lines, naming the line", async () => {
    await expect(syncCsv({ file: csv("bad-header.csv", "num,state\n4008000001,SPARE\n"), url, token })).rejects.toThrow(/line 1/);
    await expect(syncCsv({ file: csv("ragged.csv", "number,status\n4008000001,SPARE,extra\n"), url, token })).rejects.toThrow(/line 2/);
    await expect(syncCsv({ file: csv("empty.csv", ""), url, token })).rejects.toThrow(CsvError);
  });

  it("stops when the server refuses the upload, saying why", async () => {
    const file = csv("forbidden.csv", "number,status\n4008000001,SPARE\n");
    const reseller = await app.token("RS-Y", Role.RESELLER);
    await expect(syncCsv({ file, url, token: reseller })).rejects.toThrow(/the upload failed: FORBIDDEN/);
  });

  it("splits quoted fields", () => {
    expect(splitCsvLine(`4001234567,"SPARE",  "a ""b"", c" ,`)).toEqual(["4001234567", "SPARE", 'a "b", c', ""]);
  });
});
