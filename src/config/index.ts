import path from "node:path";

/** One typed, validated view of the environment. Nothing else reads process.env. */
export interface Config {
  env: "production" | "development" | "test";
  port: number;
  host: string;
  /** PostgreSQL server; absent means the embedded database (PGlite) in dataDir. */
  databaseUrl: string | null;
  /** Where the embedded database lives; null keeps it in memory (tests). */
  dataDir: string | null;
  dbPoolSize: number;
  seedDemo: boolean;
  /** HS256 tokens' key; null where the deployment takes only OIDC tokens and API clients (no JWT_SECRET in production). */
  jwtSecret: string | null;
  /** Single sign-on: an OpenID Connect issuer whose RS256/ES256 tokens are accepted; null: none. */
  oidc: OidcConfig | null;
  /** 32 bytes, for AES-256-GCM of personal data and the keyed digests in the audit log. */
  piiKey: Buffer;
  logLevel: string;
  /** Which GraphQL requests get a request line (LOG_REQUESTS, LOG_REQUEST_SAMPLE_RATE); errors always do. */
  requestLog: RequestLogSettings;
  limits: {
    maxBodyBytes: number;
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
    /** The longest string any argument may carry (MAX_STRING_ARGUMENT), bulk lists' items aside. */
    maxStringArgument: number;
    defaultPageSize: number;
    maxPageSize: number;
    /** Open WebSocket connections from one client address (as trustProxy derives it). */
    wsMaxConnectionsPerAddress: number;
    /** POST /bulk/numbers: a body's bytes (BULK_MAX_BYTES) and rows (BULK_MAX_ROWS) at most. */
    bulkMaxBytes: number;
    bulkMaxRows: number;
  };
  /** Timers and limits of DESIGN.md, "Numbers" and "Subscribers" (US toll-free registry defaults). */
  rules: Rules;
  /** Express's "trust proxy": which proxies' X-Forwarded-For to believe for the client address (false: none). */
  trustProxy: boolean | number | string;
  /** A token's `exp` may lie at most this many seconds ahead; the token CLI mints no longer. */
  tokenMaxLifetimeSeconds: number;
  /** The bearer token a Prometheus scraper sends for /metrics; null: open outside production, 404 in it. */
  metricsToken: string | null;
  /** Apollo Federation (src/app/federation.ts): the router's credential for `_service { sdl }`, and inline traces. */
  federation: FederationSettings;
  /** How often the server runs the sweeps; 0 turns the schedule off (they still run by command). */
  sweepIntervalSeconds: number;
  /** Webhook deliveries (src/modules/webhooks). */
  webhooks: WebhookSettings;
  /** Settings that were defaulted and deserve a warning at start. */
  warnings: string[];
}

export interface FederationSettings {
  /** FEDERATION_ROUTER_TOKEN: sent by a router or `rover` as `X-Federation-Router-Token` to read the subgraph SDL where introspection is off; null: none. */
  routerToken: string | null;
  /** FEDERATION_INLINE_TRACE: answer a router's `apollo-federation-include-trace: ftv1` with a trace (off by default). */
  inlineTrace: boolean;
}

export interface OidcConfig {
  issuer: string;
  /** The `aud` a token must carry. */
  audience: string;
  /** Where the issuer's keys are; null: its discovery document's jwks_uri. */
  jwksUri: string | null;
  /** The claims naming the organisation's code, the role, and whether the person is one of its administrators. */
  orgClaim: string;
  roleClaim: string;
  adminClaim: string;
  /** How long fetched keys are trusted, and the least time between fetches when a token names an unknown key. */
  jwksMaxAgeSeconds: number;
  jwksCooldownSeconds: number;
  /** The roles single sign-on may grant (ADMIN only when named: the platform's operator is not a federated identity by default). */
  allowedRoles: string[];
}

/**
 * all: a line for every request. sampled: every request that ended with an error and every caller with a
 * token; of the PUBLIC requests that succeeded (the look-up, reports), a share sampleRate. errors: only
 * requests that ended with an error.
 */
export interface RequestLogSettings {
  mode: "all" | "sampled" | "errors";
  sampleRate: number;
}

export interface Rules {
  /** A reservation lasts at most this many days and is not extended. */
  reservationDays: number;
  /** A reseller holds in reservation at most max(reservationCapMin, reservationCapShare × its ACTIVE numbers). */
  reservationCapMin: number;
  reservationCapShare: number;
  /** AGING before SPARE; after a fraud shutdown or a REVOKED identity, quarantineDays. */
  agingDays: number;
  quarantineDays: number;
  /** SUSPENDED this long without re-verification: TERMINATED. */
  suspensionDays: number;
  /** PENDING_VERIFICATION this long: the number returns to its reseller's stock (SPARE). */
  pendingVerificationDays: number;
  /** One legal representative behind more unrelated companies than this raises a HIGH flag. */
  legalRepCompanyLimit: number;
  /** A carrier acknowledges a shutdown order within this many minutes of issue, and confirms the network stop within the other. */
  shutdownAckMinutes: number;
  shutdownExecutionMinutes: number;
  /** Public reports: at most reportLimit from one client address per reportWindowMinutes. */
  reportLimit: number;
  reportWindowMinutes: number;
  /** This many reports of one number within complaintWindowDays raise a flag on it (India's rule: 5 in 10 days). */
  complaintThreshold: number;
  complaintWindowDays: number;
  /** ...and only when they come from at least this many distinct client addresses (keyed digests), so one source cannot raise it. */
  complaintMinSources: number;
  /** The departments that each approve a trunk line before it goes into service (TRUNK_DEPARTMENTS, comma-separated). */
  trunkDepartments: string[];
  /** Searches of holdings by a resident ID number: at most this many a minute per organisation, across server instances. */
  holdingsIdSearchLimit: number;
}

export interface WebhookSettings {
  /** Endpoints on private, loopback, link-local, multicast or unspecified addresses are refused unless this is set. */
  allowPrivateAddresses: boolean;
  /** A delivery not accepted this long after its first attempt is given up, and its endpoint disabled (24 h). */
  retryWindowSeconds: number;
  /** The first retry's delay; each next one doubles (at most an hour), with jitter. */
  retryBaseMilliseconds: number;
  /** How long one attempt may take, from connecting to the end of the response. */
  requestTimeoutMilliseconds: number;
  /** How often the delivery worker looks for work when nothing woke it (commits wake it at once). */
  pollMilliseconds: number;
}

// Fixed development defaults: published here on purpose, refused in production.
const DEV_JWT_SECRET = "development-only-jwt-secret-do-not-use-in-production";
const DEV_PII_KEY = Buffer.alloc(32, 7).toString("base64");

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Accepts 32 bytes as base64 or as 64 hex characters. */
export function parseKey(raw: string, name: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) {
    throw new ConfigError(`${name} must be 32 bytes, given as base64 or 64 hex characters`);
  }
  return key;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV === "production" ? "production" : env.NODE_ENV === "test" ? "test" : "development";
  const warnings: string[] = [];
  const databaseUrl = env.DATABASE_URL || null;

  const oidc = oidcConfig(env);
  let jwtSecret: string | null = env.JWT_SECRET ?? "";
  if (!jwtSecret) {
    if (nodeEnv === "production") {
      if (!oidc) throw new ConfigError("JWT_SECRET or OIDC_ISSUER is required when NODE_ENV=production");
      jwtSecret = null;
    } else {
      jwtSecret = DEV_JWT_SECRET;
      warnings.push("JWT_SECRET is not set: using the fixed development secret; anyone can mint tokens");
    }
  } else if (jwtSecret.length < 32) {
    throw new ConfigError("JWT_SECRET must be at least 32 characters");
  } else if (oidc) {
    warnings.push("both JWT_SECRET and OIDC_ISSUER are set: HS256 tokens signed with JWT_SECRET stay accepted beside single sign-on; unset JWT_SECRET to take only OIDC tokens and API clients");
  }

  let piiKey: Buffer;
  if (env.PII_ENCRYPTION_KEY) {
    piiKey = parseKey(env.PII_ENCRYPTION_KEY, "PII_ENCRYPTION_KEY");
  } else {
    if (nodeEnv === "production") throw new ConfigError("PII_ENCRYPTION_KEY is required when NODE_ENV=production");
    piiKey = Buffer.from(DEV_PII_KEY, "base64");
    warnings.push("PII_ENCRYPTION_KEY is not set: using the fixed development key; personal data is not protected");
  }

  return {
    env: nodeEnv,
    port: int(env, "PORT", 4000, 0),
    host: env.HOST || "127.0.0.1",
    databaseUrl,
    dataDir: env.DATA_DIR === ":memory:" ? null : path.resolve(env.DATA_DIR || "./data"),
    dbPoolSize: int(env, "DB_POOL_SIZE", 10),
    // Demo data by default only on the embedded database (API.md, "Running it").
    seedDemo: bool(env, "SEED_DEMO", databaseUrl === null),
    jwtSecret,
    oidc,
    piiKey,
    logLevel: env.LOG_LEVEL || (nodeEnv === "test" ? "silent" : "info"),
    requestLog: requestLog(env, nodeEnv),
    limits: {
      maxBodyBytes: int(env, "MAX_BODY_BYTES", 2 * 1024 * 1024),
      maxDepth: int(env, "MAX_QUERY_DEPTH", 10),
      maxAliases: int(env, "MAX_QUERY_ALIASES", 15),
      maxTokens: int(env, "MAX_QUERY_TOKENS", 2000),
      // A page of 500 rows with a nested relation costs about 20,000 under graphql-armor's model.
      maxCost: int(env, "MAX_QUERY_COST", 50000),
      maxStringArgument: int(env, "MAX_STRING_ARGUMENT", 10000),
      defaultPageSize: 50,
      maxPageSize: 500,
      wsMaxConnectionsPerAddress: int(env, "WS_MAX_CONNECTIONS_PER_ADDRESS", 20),
      bulkMaxBytes: int(env, "BULK_MAX_BYTES", 1024 * 1024 * 1024),
      bulkMaxRows: int(env, "BULK_MAX_ROWS", 10_000_000),
    },
    rules: {
      reservationDays: bounded(env, "RESERVATION_DAYS", 45, 1, 45),
      reservationCapMin: int(env, "RESERVATION_CAP_MIN", 2000),
      reservationCapShare: share(env, "RESERVATION_CAP_SHARE", 0.075),
      agingDays: bounded(env, "AGING_DAYS", 90, 45, 3650),
      // The long quarantine is never shorter than the ordinary aging (the database refuses a shortened period).
      quarantineDays: bounded(env, "QUARANTINE_DAYS", 180, bounded(env, "AGING_DAYS", 90, 45, 3650), 3650),
      suspensionDays: int(env, "SUSPENSION_DAYS", 90),
      pendingVerificationDays: int(env, "PENDING_VERIFICATION_DAYS", 45),
      legalRepCompanyLimit: int(env, "LEGAL_REP_COMPANY_LIMIT", 5),
      shutdownAckMinutes: int(env, "SHUTDOWN_ACK_MINUTES", 15),
      shutdownExecutionMinutes: int(env, "SHUTDOWN_EXECUTION_MINUTES", 120),
      reportLimit: int(env, "REPORT_LIMIT", 5),
      reportWindowMinutes: int(env, "REPORT_WINDOW_MINUTES", 60),
      complaintThreshold: int(env, "COMPLAINT_THRESHOLD", 5),
      complaintWindowDays: int(env, "COMPLAINT_WINDOW_DAYS", 10),
      complaintMinSources: int(env, "COMPLAINT_MIN_SOURCES", 3),
      trunkDepartments: departments(env, "TRUNK_DEPARTMENTS", "SALES,SECURITY,LEGAL"),
      holdingsIdSearchLimit: int(env, "HOLDINGS_ID_SEARCH_LIMIT", 20),
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    // At most a week: a socket's close at its token's expiry is one timer, and Node's timers stop at 24.8 days.
    tokenMaxLifetimeSeconds: bounded(env, "TOKEN_MAX_LIFETIME_SECONDS", 86400, 60, 604800),
    metricsToken: metricsToken(env.METRICS_TOKEN),
    federation: { routerToken: routerToken(env.FEDERATION_ROUTER_TOKEN), inlineTrace: bool(env, "FEDERATION_INLINE_TRACE", false) },
    sweepIntervalSeconds: int(env, "SWEEP_INTERVAL_SECONDS", nodeEnv === "test" ? 0 : 300, 0),
    webhooks: {
      allowPrivateAddresses: bool(env, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", false),
      retryWindowSeconds: bounded(env, "WEBHOOK_RETRY_WINDOW_SECONDS", 86400, 1, 7 * 86400),
      retryBaseMilliseconds: bounded(env, "WEBHOOK_RETRY_BASE_MS", 5000, 10, 3_600_000),
      requestTimeoutMilliseconds: bounded(env, "WEBHOOK_TIMEOUT_MS", 10_000, 100, 60_000),
      pollMilliseconds: bounded(env, "WEBHOOK_POLL_MS", 1000, 20, 60_000),
    },
    warnings,
  };
}

/** OIDC_ISSUER and OIDC_AUDIENCE (both or neither), and the optional claims and key-cache settings. */
function oidcConfig(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = env.OIDC_ISSUER || "";
  if (!issuer) {
    if (env.OIDC_AUDIENCE) throw new ConfigError("OIDC_AUDIENCE is set without OIDC_ISSUER");
    return null;
  }
  const url = (name: string, raw: string) => {
    try {
      const parsed = new URL(raw);
      if (parsed.protocol === "https:" || (parsed.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname))) return raw;
    } catch {
      // refused below
    }
    throw new ConfigError(`${name} must be an https URL (http only on 127.0.0.1 or localhost), got "${raw}"`);
  };
  if (!env.OIDC_AUDIENCE) throw new ConfigError("OIDC_AUDIENCE is required with OIDC_ISSUER: the audience the issuer's tokens carry for this registry");
  const claim = (name: string, fallback: string) => {
    const value = env[name] || fallback;
    if (!/^[A-Za-z0-9_.:/-]{1,100}$/.test(value)) throw new ConfigError(`${name} must be a claim name, got "${value}"`);
    return value;
  };
  return {
    // As the issuer writes it, to the character: tokens' iss is compared exactly (with or without a final slash).
    issuer: url("OIDC_ISSUER", issuer),
    audience: env.OIDC_AUDIENCE,
    jwksUri: env.OIDC_JWKS_URI ? url("OIDC_JWKS_URI", env.OIDC_JWKS_URI) : null,
    orgClaim: claim("OIDC_ORG_CLAIM", "org"),
    roleClaim: claim("OIDC_ROLE_CLAIM", "role"),
    adminClaim: claim("OIDC_ADMIN_CLAIM", "admin"),
    jwksMaxAgeSeconds: bounded(env, "OIDC_JWKS_MAX_AGE_SECONDS", 600, 1, 86400),
    jwksCooldownSeconds: bounded(env, "OIDC_JWKS_COOLDOWN_SECONDS", 30, 0, 3600),
    allowedRoles: oidcRoles(env.OIDC_ALLOWED_ROLES),
  };
}

const OIDC_ROLES = ["CARRIER", "RESELLER", "CALL_CENTER", "POLICE", "REGULATOR", "ADMIN"];

function oidcRoles(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === "") return OIDC_ROLES.filter((r) => r !== "ADMIN");
  const roles = raw.split(",").map((r) => r.trim().toUpperCase());
  const unknown = roles.filter((r) => !OIDC_ROLES.includes(r));
  if (unknown.length > 0 || roles.length === 0) throw new ConfigError(`OIDC_ALLOWED_ROLES must list roles among ${OIDC_ROLES.join(", ")}, got "${raw}"`);
  return [...new Set(roles)];
}

function metricsToken(raw: string | undefined): string | null {
  if (raw === undefined || raw === "") return null;
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError("METRICS_TOKEN must be at least 16 characters, without spaces");
  return raw;
}

function routerToken(raw: string | undefined): string | null {
  if (raw === undefined || raw === "") return null;
  if (raw.length < 32 || /\s/.test(raw)) throw new ConfigError("FEDERATION_ROUTER_TOKEN must be at least 32 characters, without spaces");
  return raw;
}

/** LOG_REQUESTS (all, sampled, errors; sampled in production, all elsewhere) and LOG_REQUEST_SAMPLE_RATE (0..1, 0.01). */
function requestLog(env: NodeJS.ProcessEnv, nodeEnv: Config["env"]): RequestLogSettings {
  const raw = (env.LOG_REQUESTS || (nodeEnv === "production" ? "sampled" : "all")).toLowerCase();
  if (raw !== "all" && raw !== "sampled" && raw !== "errors") throw new ConfigError(`LOG_REQUESTS must be all, sampled or errors, got "${env.LOG_REQUESTS}"`);
  return { mode: raw, sampleRate: share(env, "LOG_REQUEST_SAMPLE_RATE", 0.01) };
}

/** TRUST_PROXY: unset or false, true, a hop count, or addresses/subnets (express's forms). */
function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === "" || /^(0|false|no)$/i.test(raw)) return false;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

function bounded(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = int(env, name, fallback, min);
  if (value > max) throw new ConfigError(`${name} must be at most ${max}, got ${value}`);
  return value;
}

/** A comma-separated list of distinct department names: capital letters, digits and '_'. */
function departments(env: NodeJS.ProcessEnv, name: string, fallback: string): string[] {
  const raw = env[name] === undefined || env[name] === "" ? fallback : env[name]!;
  const list = raw.split(",").map((d) => d.trim().toUpperCase()).filter((d) => d !== "");
  const bad = list.find((d) => !/^[A-Z][A-Z0-9_]{1,31}$/.test(d));
  if (list.length === 0 || bad !== undefined || new Set(list).size !== list.length) {
    throw new ConfigError(`${name} must list distinct departments (2-32 capital letters, digits or '_'), comma-separated, got "${raw}"`);
  }
  return list;
}

function share(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`${name} must be a share between 0 and 1, got "${raw}"`);
  return value;
}
