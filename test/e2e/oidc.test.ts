import http from "node:http";
import { AddressInfo } from "node:net";
import { JWK, KeyLike, SignJWT, exportJWK, generateKeyPair } from "jose";
import { loadConfig } from "../../src/config";
import { Role } from "../../src/shared/auth/roles";
import { signToken } from "../../src/shared/auth/tokens";
import { TestApp, codes, startTestApp } from "../helpers/app";

/** A single sign-on issuer on 127.0.0.1: its discovery document and the keys it publishes right now. */
class LocalIssuer {
  readonly published = new Map<string, JWK>();
  jwksFetches = 0;
  private server = http.createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer: this.url, jwks_uri: `${this.url.replace(/\/$/, "")}/keys` }));
    } else if (req.url === "/keys") {
      this.jwksFetches += 1;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [...this.published.values()] }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(kid: string, alg: "RS256" | "ES256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

const issuer = new LocalIssuer();
let app: TestApp;
let rsa: SigningKey;
let ec: SigningKey;

/** A person's token from the issuer: the organisation and role in the configured claims. */
function personToken(key: SigningKey, claims: Record<string, unknown> = {}, options: { audience?: string; issuer?: string; ttl?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ registry_org: "CT-LN", registry_role: "CARRIER", ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setSubject("zhang.wei@ct-ln.example")
    .setIssuer(options.issuer ?? issuer.url)
    .setAudience(options.audience ?? "number-registry")
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttl ?? 600))
    .sign(key.privateKey);
}

const WHO = `{ organizations(first: 1) { totalCount } }`;
const CLIENTS = `{ apiClients { totalCount } }`;

async function untilStatus(token: string, status: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await app.exec({ token }, WHO)).status === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${status} within ${ms} ms`);
}

beforeAll(async () => {
  await issuer.start();
  rsa = await signingKey("rsa-1", "RS256");
  ec = await signingKey("ec-1", "ES256");
  issuer.published.set(rsa.kid, rsa.jwk);
  issuer.published.set(ec.kid, ec.jwk);
  app = await startTestApp({
    env: {
      OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: "number-registry", OIDC_ORG_CLAIM: "registry_org", OIDC_ROLE_CLAIM: "registry_role",
      OIDC_ADMIN_CLAIM: "registry_admin", OIDC_JWKS_MAX_AGE_SECONDS: "1", OIDC_JWKS_COOLDOWN_SECONDS: "0",
    },
  });
  for (const input of [
    { code: "CT", name: "China Telecom", kind: "CARRIER" },
    { code: "CT-LN", name: "China Telecom Liaoning", kind: "CARRIER", parentCode: "CT", province: "21" },
  ]) {
    const body = await app.exec({ org: "PLATFORM", role: Role.ADMIN }, `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { code } }`, { input });
    expect(body.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await app.close();
  await issuer.stop();
});

describe("single sign-on (OIDC)", () => {
  it("accepts the issuer's RS256 and ES256 tokens, with the organisation and role from the configured claims, checked as any token's", async () => {
    for (const key of [rsa, ec]) {
      const body = await app.exec({ token: await personToken(key) }, WHO);
      expect(body.errors).toBeUndefined();
      expect(body.data!.organizations.totalCount).toBeGreaterThan(0);
    }
    // The administrator's claim gives ORG_ADMIN; without it, none.
    expect(codes(await app.exec({ token: await personToken(rsa, { registry_admin: true }) }, CLIENTS))).toEqual([]);
    expect(codes(await app.exec({ token: await personToken(rsa) }, CLIENTS))).toEqual(["FORBIDDEN"]);
    // A role that does not fit the organisation, an unknown one, a missing claim: refused as for any token.
    for (const claims of [{ registry_role: "POLICE" }, { registry_role: "ROOT" }, { registry_org: undefined }, { registry_admin: "yes" }]) {
      expect((await app.exec({ token: await personToken(rsa, claims) }, WHO)).status).toBe(401);
    }
  });

  it("grants no ADMIN by default, names the person as the issuer's (oidc:), and refuses claims that are not codes or printable", async () => {
    expect((await app.exec({ token: await personToken(rsa, { registry_org: "PLATFORM", registry_role: "ADMIN" }) }, WHO)).status).toBe(401);
    for (const claims of [{ registry_org: "CT-LN\u0000" }, { registry_org: "ct-ln" }, { sub: "client:00000000-0000-0000-0000-000000000000" }]) {
      const token = await new SignJWT({ registry_org: "CT-LN", registry_role: "CARRIER", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: rsa.kid }).setSubject((claims as { sub?: string }).sub ?? "someone")
        .setIssuer(issuer.url).setAudience("number-registry").setIssuedAt().setExpirationTime("10m").sign(rsa.privateKey);
      expect((await app.exec({ token }, WHO)).status).toBe(401);
    }
    const done = await app.exec({ token: await personToken(rsa) }, `mutation { publishAllocation(input: { rangeStart: "4009200000", rangeEnd: "4009200000" }) { created } }`);
    expect(done.errors).toBeUndefined();
    const [event] = await app.dataSource.query("SELECT actor FROM audit_events WHERE operation = 'publishAllocation' ORDER BY seq DESC LIMIT 1");
    expect(event.actor).toBe("oidc:zhang.wei@ct-ln.example");
    // The registry's own tokens: a subject with a control character, or in a namespace it gives out, is refused too.
    for (const sub of ["line\nbreak", "client:x", "oidc:x", "x".repeat(257)]) {
      expect((await app.exec({ token: await signToken(app.config.jwtSecret, { sub, org: "CT-LN", role: Role.CARRIER }, 600) }, WHO)).status).toBe(401);
    }
  });

  it("refuses another audience or issuer, a token living too long, and a token signed by a key the issuer never published", async () => {
    expect((await app.exec({ token: await personToken(rsa, {}, { audience: "someone-else" }) }, WHO)).status).toBe(401);
    expect((await app.exec({ token: await personToken(rsa, {}, { issuer: "https://evil.example" }) }, WHO)).status).toBe(401);
    expect((await app.exec({ token: await personToken(rsa, {}, { ttl: 3 * 86400 }) }, WHO)).status).toBe(401);
    const stranger = await signingKey("rsa-1", "RS256"); // the same key id, another key
    const forged = await app.exec({ token: await personToken(stranger) }, WHO);
    expect(forged.status).toBe(401);
    expect(codes(forged)).toEqual(["UNAUTHENTICATED"]);
    const unknown = await signingKey("never-published", "ES256");
    expect((await app.exec({ token: await personToken(unknown) }, WHO)).status).toBe(401);
  });

  it("follows a rotation (a new key id is fetched) and stops accepting a key the issuer withdraws", async () => {
    const next = await signingKey("rsa-2", "RS256");
    issuer.published.set(next.kid, next.jwk);
    const fetches = issuer.jwksFetches;
    const body = await app.exec({ token: await personToken(next) }, WHO);
    expect(body.errors).toBeUndefined();
    expect(issuer.jwksFetches).toBeGreaterThan(fetches);

    // Withdrawn: refused once the copy the server keeps ages out (OIDC_JWKS_MAX_AGE_SECONDS, 1 here).
    issuer.published.delete(ec.kid);
    await untilStatus(await personToken(ec), 401);
    expect((await app.exec({ token: await personToken(next) }, WHO)).status).toBe(200);
    issuer.published.set(ec.kid, ec.jwk);
  });

  it("an issuer that cannot be reached is asked again only after a pause, and an issuer written with a final slash works", async () => {
    const down = http.createServer((_req, res) => {
      downHits += 1;
      res.statusCode = 503;
      res.end();
    });
    let downHits = 0;
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const downUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
    const unreachable = await app.withServer({ OIDC_ISSUER: downUrl, OIDC_AUDIENCE: "number-registry" });
    try {
      const token = await personToken(rsa, {}, { issuer: downUrl });
      for (let i = 0; i < 10; i++) {
        const body = await unreachable.exec({ token }, WHO);
        expect(body.status).toBe(401);
        expect(body.errors![0].message).toMatch(/single sign-on issuer cannot be reached/);
      }
      expect(downHits).toBe(1);
    } finally {
      await unreachable.close();
      await new Promise((r) => down.close(r));
    }

    // Auth0 and Azure AD B2C write their issuer with a final slash, in tokens and discovery alike.
    const slashed = new LocalIssuer();
    await slashed.start();
    slashed.url = `${slashed.url}/`;
    slashed.published.set(rsa.kid, rsa.jwk);
    const withSlash = await app.withServer({ OIDC_ISSUER: slashed.url, OIDC_AUDIENCE: "number-registry", OIDC_ORG_CLAIM: "registry_org", OIDC_ROLE_CLAIM: "registry_role" });
    try {
      expect((await withSlash.exec({ token: await personToken(rsa, {}, { issuer: slashed.url }) }, WHO)).status).toBe(200);
    } finally {
      await withSlash.close();
      await slashed.stop();
    }
  });

  it("HS256 tokens stay accepted where JWT_SECRET is set, and only there; the configuration says so", async () => {
    expect((await app.exec({ org: "CT-LN", role: Role.CARRIER }, WHO)).status).toBe(200);
    const oidc = { OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: "number-registry" };
    const both = loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32), PII_ENCRYPTION_KEY: "a".repeat(64), ...oidc });
    expect(both.warnings.join("\n")).toMatch(/both JWT_SECRET and OIDC_ISSUER are set/);
    const ssoOnly = loadConfig({ NODE_ENV: "production", PII_ENCRYPTION_KEY: "a".repeat(64), ...oidc });
    expect(ssoOnly.jwtSecret).toBeNull();
    expect(() => loadConfig({ NODE_ENV: "production", PII_ENCRYPTION_KEY: "a".repeat(64) })).toThrow(/JWT_SECRET or OIDC_ISSUER is required/);
    expect(() => loadConfig({ OIDC_ISSUER: "ftp://issuer.example", OIDC_AUDIENCE: "x" })).toThrow(/OIDC_ISSUER must be an https URL/);
    expect(() => loadConfig({ OIDC_ISSUER: issuer.url })).toThrow(/OIDC_AUDIENCE is required/);

    const sso = await app.withServer({ NODE_ENV: "production", JWT_SECRET: "", PII_ENCRYPTION_KEY: app.config.piiKey.toString("hex"), ...oidc,
      OIDC_ORG_CLAIM: "registry_org", OIDC_ROLE_CLAIM: "registry_role" });
    try {
      const hs = await sso.exec({ token: await app.token("CT-LN", Role.CARRIER) }, WHO);
      expect(hs.status).toBe(401);
      expect(hs.errors![0].message).toMatch(/HS256 tokens are not accepted here/);
      expect((await sso.exec({ token: await personToken(rsa) }, WHO)).status).toBe(200);
    } finally {
      await sso.close();
    }
  });
});
