/**
 * Compliance benchmark: the regulator's complianceReport, grouped by carrier and
 * province, through the API, against the same figures computed by a plain GROUP BY
 * over the numbers in SQL, on a national data set, in one run.
 *
 *   npm run bench:compliance -- [--numbers 10000000] [--repeat 20] [--database-url URL]
 *
 * On a scratch database of the PostgreSQL server at --database-url (or
 * BENCH_DATABASE_URL) it starts the API server (production mode), which applies the
 * migrations, and builds with SQL and COPY: 4 carrier groups with a branch in each of
 * 31 provinces, 2,000 resellers, one subscriber for every 20 numbers (most VERIFIED),
 * and N numbers with mixed statuses. The load bypasses triggers
 * (session_replication_role = replica) and then rebuilds the rollup once with
 * compliance_rollup_rebuild(), as a bulk restore would; the triggers keep it exact from
 * then on (test/e2e/compliance.test.ts). It then times, each --repeat times:
 *   - the API: POST /graphql complianceReport(groupBy: [CARRIER, PROVINCE]) as MIIT;
 *   - the GROUP BY: the same figures from the numbers joined to their subscribers.
 * and checks the two agree.
 *
 * Targets: the API answer under 50 ms at 10 million numbers, and at least 20× faster
 * than the GROUP BY. Results: docs/BENCHMARKS.md.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { Role } from "../src/shared/auth/roles";
import { PROVINCES } from "../src/shared/provinces";
import { adminUrl, fmt, gql, positiveInt, quantile, scratchDatabase, serverSecrets, startServer, stopServer, token } from "./lib";

const N = positiveInt("numbers", 10_000_000);
const REPEAT = positiveInt("repeat", 20);
const GROUPS = ["BCT", "BCM", "BCU", "BCB"];
const RESELLERS = 2000;
const NUMBERS_PER_SUBSCRIBER = 20;

const REPORT = `query { complianceReport(groupBy: [CARRIER, PROVINCE]) { rows { carrierCode province inService verified realNameRate suspended forceStopped } totals { inService verified } } }`;

/** The same figures, straight from the numbers: what a regulator would run without the rollup. */
const GROUP_BY = `
  SELECT split_part(c.path, '/', 2) AS "carrierCode", n.province,
         count(*) FILTER (WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED'))::float8 AS "inService",
         count(*) FILTER (WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED') AND s.identity_status = 'VERIFIED')::float8 AS verified,
         count(*) FILTER (WHERE n.status = 'SUSPENDED')::float8 AS suspended,
         count(*) FILTER (WHERE n.status = 'FORCE_STOPPED')::float8 AS "forceStopped"
    FROM numbers n JOIN organizations c ON c.id = n.carrier_id LEFT JOIN subscribers s ON s.id = n.subscriber_id
   GROUP BY 1, 2
  HAVING count(*) FILTER (WHERE n.status IN ('ACTIVE', 'PENDING_VERIFICATION', 'SUSPENDED', 'FORCE_STOPPED')) > 0
   ORDER BY 1, 2`;

async function build(db: Client): Promise<void> {
  const provinces = Object.keys(PROVINCES).filter((p) => p.length === 2).slice(0, 31);
  await db.query(`INSERT INTO organizations (code, name, kind, province, path)
                  SELECT g, 'Bench group ' || g, 'CARRIER', NULL, '/' || g || '/' FROM unnest($1::text[]) g`, [GROUPS]);
  await db.query(`INSERT INTO organizations (code, name, kind, province, parent_id, path)
                  SELECT g.code || '-' || p, g.name || ' ' || p, 'CARRIER', p, g.id, g.path || g.code || '-' || p || '/'
                    FROM organizations g CROSS JOIN unnest($2::text[]) p WHERE g.code = ANY($1::text[])`, [GROUPS, provinces]);
  await db.query(`INSERT INTO organizations (code, name, kind, province, path)
                  SELECT 'BRS-' || i, 'Bench reseller ' || i, 'RESELLER', ($1::text[])[1 + i % 31], '/BRS-' || i || '/'
                    FROM generate_series(0, ${RESELLERS - 1}) i`, [provinces]);
  const branches: { id: string; province: string }[] = (await db.query(
    `SELECT id, province FROM organizations WHERE kind = 'CARRIER' AND parent_id IS NOT NULL AND split_part(path, '/', 2) = ANY($1::text[]) ORDER BY code`,
    [GROUPS],
  )).rows;
  const resellers: { id: string; province: string }[] = (await db.query(`SELECT id, province FROM organizations WHERE code LIKE 'BRS-%' ORDER BY code`)).rows;
  const [{ approver }] = (await db.query(`SELECT id AS approver FROM organizations WHERE code = $1`, [`${GROUPS[0]}-${provinces[0]}`])).rows;

  // One subscriber per 20 numbers: 85% VERIFIED, the rest DRAFT, SUBMITTED or EXPIRED.
  const subscribers = Math.ceil(N / NUMBERS_PER_SUBSCRIBER);
  console.log(`building: ${branches.length} carrier branches, ${resellers.length} resellers, ${fmt(subscribers)} subscribers, ${fmt(N)} numbers`);
  await db.query(
    `INSERT INTO subscribers (reseller_id, name, uscc, legal_rep_name, legal_rep_id_sealed, legal_rep_id_hash, handler_name,
                              handler_id_sealed, handler_id_hash, landline, address, business_scope, declared_use, identity_status, verified_at, verified_by)
     SELECT ($1::uuid[])[1 + i % ${RESELLERS}], 'Bench company ' || i, lpad(i::text, 18, '0'), 'Rep', 'v1.bench', encode(sha256(('r' || i)::bytea), 'hex'),
            'Handler', 'v1.bench', encode(sha256(('h' || i)::bytea), 'hex'), '02400000000', 'Address', 'Scope', 'Use',
            CASE WHEN i % 20 < 17 THEN 'VERIFIED' WHEN i % 20 = 17 THEN 'DRAFT' WHEN i % 20 = 18 THEN 'SUBMITTED' ELSE 'EXPIRED' END,
            CASE WHEN i % 20 < 17 THEN now() END, CASE WHEN i % 20 < 17 THEN $2::uuid END
       FROM generate_series(0, ${subscribers - 1}) i`,
    [resellers.map((r) => r.id), approver],
  );
  const subscriberIds: string[] = (await db.query(`SELECT id FROM subscribers ORDER BY seq`)).rows.map((r: { id: string }) => r.id);
  const verified = (k: number) => k % 20 < 17;

  // Numbers: each subscriber's 20 numbers with one carrier branch and reseller; statuses mixed.
  function* rows(): Generator<string> {
    const chunk = 50_000;
    for (let start = 0; start < N; start += chunk) {
      let out = "";
      for (let i = start; i < Math.min(N, start + chunk); i++) {
        const k = Math.floor(i / NUMBERS_PER_SUBSCRIBER);
        const branch = branches[k % branches.length];
        const reseller = resellers[k % RESELLERS];
        const slot = i % NUMBERS_PER_SUBSCRIBER;
        // 12 in service (ACTIVE only for a VERIFIED subscriber, else PENDING_VERIFICATION), 1 SUSPENDED,
        // 1 TERMINATED, 1 AGING, 5 SPARE (wholesaled, no subscriber).
        let status: string;
        let subscriber = "";
        if (slot < 12) {
          status = verified(k) ? "ACTIVE" : "PENDING_VERIFICATION";
          subscriber = subscriberIds[k];
        } else if (slot === 12) {
          status = "SUSPENDED";
          subscriber = subscriberIds[k];
        } else if (slot === 13) {
          status = "TERMINATED";
          subscriber = subscriberIds[k];
        } else if (slot === 14) {
          status = "AGING";
        } else {
          status = "SPARE";
        }
        out += `${4000000000 + i},${branch.id},${reseller.id},${subscriber},${branch.province},${status},${status === "SUSPENDED" ? "CARRIER" : ""}\n`;
      }
      yield out;
    }
  }
  await db.query("SET session_replication_role = replica");
  const t0 = performance.now();
  await pipeline(Readable.from(rows()), db.query(copyFrom(
    `COPY numbers (number, carrier_id, reseller_id, subscriber_id, province, status, suspension) FROM STDIN (FORMAT csv)`,
  )));
  await db.query("SET session_replication_role = origin");
  console.log(`  COPY of ${fmt(N)} numbers: ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const t1 = performance.now();
  await db.query("SELECT compliance_rollup_rebuild()");
  await db.query("ANALYZE");
  const [{ rollupRows }] = (await db.query(`SELECT count(*)::int AS "rollupRows" FROM compliance_rollup`)).rows;
  console.log(`  rollup rebuilt in ${fmt((performance.now() - t1) / 1000, 1)} s: ${fmt(rollupRows)} rows`);
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase(adminUrl());
  const secrets = serverSecrets();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const db = new Client({ connectionString: scratch.url });
  try {
    server = await startServer(scratch.url, secrets);
    await db.connect();
    await build(db);
    await db.query(`INSERT INTO organizations (code, name, kind, path) VALUES ('BENCH-MIIT', 'Bench regulator', 'REGULATOR', '/BENCH-MIIT/')`);
    const regulator = await token(secrets.jwtSecret, "BENCH-MIIT", Role.REGULATOR);

    // Warm both paths once, and check they agree.
    const api = (await gql(server.graphql, regulator, REPORT)).complianceReport;
    const sql = (await db.query(GROUP_BY)).rows;
    const apiRows = api.rows.map((r: Record<string, unknown>) => ({
      carrierCode: r.carrierCode, province: r.province, inService: r.inService, verified: r.verified, suspended: r.suspended, forceStopped: r.forceStopped,
    }));
    if (JSON.stringify(apiRows) !== JSON.stringify(sql)) throw new Error("the API's figures differ from the GROUP BY's");
    console.log(`  both give ${api.rows.length} rows; in service ${fmt(api.totals.inService)}, verified ${fmt(api.totals.verified)}`);

    const apiMs: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      await gql(server.graphql, regulator, REPORT);
      apiMs.push(performance.now() - t);
    }
    const sqlMs: number[] = [];
    for (let i = 0; i < Math.min(REPEAT, 5); i++) {
      const t = performance.now();
      await db.query(GROUP_BY);
      sqlMs.push(performance.now() - t);
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const apiP50 = quantile(sorted(apiMs), 0.5), apiP95 = quantile(sorted(apiMs), 0.95);
    const sqlP50 = quantile(sorted(sqlMs), 0.5);
    console.log(`\nnumbers                          ${fmt(N)}`);
    console.log(`API complianceReport (HTTP)      p50 ${fmt(apiP50, 1)} ms  p95 ${fmt(apiP95, 1)} ms  (${REPEAT} runs)   target < 50 ms   ${apiP95 < 50 ? "PASS" : "MISS"}`);
    console.log(`plain GROUP BY (SQL, no HTTP)    p50 ${fmt(sqlP50, 1)} ms  (${sqlMs.length} runs)`);
    console.log(`GROUP BY / API                   ${fmt(sqlP50 / apiP50, 1)}×   target >= 20×   ${sqlP50 / apiP50 >= 20 ? "PASS" : "MISS"}`);
  } finally {
    await db.end().catch(() => undefined);
    if (server) await stopServer(server).catch(() => undefined);
    await scratch.drop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
