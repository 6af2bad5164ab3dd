import { ConfigError, loadConfig } from "../../src/config";

const SECRET = "s".repeat(32);
const KEY = Buffer.alloc(32, 1).toString("base64");

describe("configuration", () => {
  it("in production, JWT_SECRET (or single sign-on, OIDC_ISSUER) and PII_ENCRYPTION_KEY are required", () => {
    expect(() => loadConfig({ NODE_ENV: "production", PII_ENCRYPTION_KEY: KEY })).toThrow(/JWT_SECRET or OIDC_ISSUER is required/);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET })).toThrow(/PII_ENCRYPTION_KEY is required/);
    const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET, PII_ENCRYPTION_KEY: KEY });
    expect(config.warnings).toEqual([]);
  });

  it("in development, fixed defaults are used with a warning each", () => {
    const config = loadConfig({});
    expect(config.env).toBe("development");
    expect(config.warnings).toHaveLength(2);
    expect(config.warnings.join(" ")).toMatch(/JWT_SECRET.*PII_ENCRYPTION_KEY/);
  });

  it("refuses a short secret and a key that is not 32 bytes", () => {
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow(ConfigError);
    expect(() => loadConfig({ PII_ENCRYPTION_KEY: Buffer.alloc(16).toString("base64") })).toThrow(/32 bytes/);
    expect(loadConfig({ PII_ENCRYPTION_KEY: "ab".repeat(32) }).piiKey).toEqual(Buffer.alloc(32, 0xab));
  });

  it("federation: no router credential and no inline trace by default; a short or spaced credential is refused", () => {
    expect(loadConfig({}).federation).toEqual({ routerToken: null, inlineTrace: false });
    const token = "r".repeat(32);
    expect(loadConfig({ FEDERATION_ROUTER_TOKEN: token, FEDERATION_INLINE_TRACE: "true" }).federation).toEqual({ routerToken: token, inlineTrace: true });
    expect(() => loadConfig({ FEDERATION_ROUTER_TOKEN: "short" })).toThrow(/FEDERATION_ROUTER_TOKEN must be at least 32 characters/);
    expect(() => loadConfig({ FEDERATION_ROUTER_TOKEN: `${token} x` })).toThrow(ConfigError);
    expect(() => loadConfig({ FEDERATION_INLINE_TRACE: "maybe" })).toThrow(/FEDERATION_INLINE_TRACE must be true or false/);
  });

  it("embedded database and demo data without DATABASE_URL; PostgreSQL and no demo data with it", () => {
    const embedded = loadConfig({ DATA_DIR: "/tmp/registry-x" });
    expect(embedded).toMatchObject({ databaseUrl: null, dataDir: "/tmp/registry-x", seedDemo: true, port: 4000 });
    const server = loadConfig({ DATABASE_URL: "postgres://u@127.0.0.1/db" });
    expect(server).toMatchObject({ databaseUrl: "postgres://u@127.0.0.1/db", seedDemo: false });
    expect(loadConfig({ DATABASE_URL: "postgres://u@127.0.0.1/db", SEED_DEMO: "true" }).seedDemo).toBe(true);
    expect(loadConfig({ SEED_DEMO: "false" }).seedDemo).toBe(false);
  });

  it("refuses malformed numbers and booleans, naming the setting", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT/);
    expect(() => loadConfig({ SEED_DEMO: "maybe" })).toThrow(/SEED_DEMO/);
  });
});
