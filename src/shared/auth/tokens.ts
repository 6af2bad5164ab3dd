import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { ORGANIZATION_CODE } from "../ids";
import { Role, TOKEN_ROLES } from "./roles";

export interface TokenClaims {
  sub: string;
  org: string;
  role: Exclude<Role, Role.PUBLIC>;
  /** One of the organisation's own administrators (ORG_ADMIN): manages its API clients and webhooks. */
  admin?: boolean;
}

const ALGORITHM = "HS256";

/** "8h", "30m", "7d", "90s" → seconds. */
export function parseTtl(ttl: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(ttl.trim());
  if (!match) throw new Error(`a TTL is a number and a unit (s, m, h, d), like 8h; got "${ttl}"`);
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
  if (seconds <= 0) throw new Error("the TTL must be positive");
  return seconds;
}

/** The key HS256 tokens are signed with; an error naming the way out where the deployment has none. */
export function hs256Key(secret: string | null): Uint8Array {
  if (!secret) throw new TokenError("JWT_SECRET is not set: this registry takes single sign-on tokens and API clients only (pass --token)");
  return new TextEncoder().encode(secret);
}

export async function signToken(secret: string | null, claims: TokenClaims, ttlSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ org: claims.org, role: claims.role, ...(claims.admin ? { admin: true } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(hs256Key(secret));
}

export class TokenError extends Error {}

/** A verified token's claims and when it expires (seconds since the epoch). */
export interface VerifiedToken extends TokenClaims {
  exp: number;
}

/** Clocks of the issuer and the server may disagree by this much when a token says when it was issued. */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * Verifies an HS256 token's signature, algorithm and expiry, then its claims as `checkedClaims` does.
 */
export async function verifyToken(secret: string, token: string, maxLifetimeSeconds: number, now = Date.now()): Promise<VerifiedToken> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, hs256Key(secret), {
      algorithms: [ALGORITHM],
      requiredClaims: ["sub", "exp"],
      currentDate: new Date(now),
    }));
  } catch (error) {
    throw tokenError(error);
  }
  return checkedClaims(payload, maxLifetimeSeconds, now);
}

/** A verification failure in words a caller can act on, never the library's internals. */
export function tokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof joseErrors.JWTExpired) return new TokenError("the token has expired");
  if (error instanceof joseErrors.JWTClaimValidationFailed) return new TokenError(`the token's ${error.claim} claim is not accepted here`);
  return new TokenError("the token is not valid");
}

/** Where a verified token's claims are found: this registry's own names, or an OIDC issuer's configured ones. */
export interface ClaimNames {
  org: string;
  role: string;
  admin: string;
}

const OWN_CLAIMS: ClaimNames = { org: "org", role: "role", admin: "admin" };
const MAX_SUBJECT = 256;
/** Subjects the registry itself gives: an API client's (client:<id>), a single sign-on person's (oidc:<sub>). */
const RESERVED_SUBJECT = /^(client|oidc):/i;

/**
 * The claims of a token whose signature is verified, whoever signed it: a token must not outlive
 * `maxLifetimeSeconds` from now (a stolen long-lived token is a standing key), nor claim to be issued in
 * the future; it names its subject, organisation and a role, and `admin` if present is true or false.
 */
export function checkedClaims(payload: Record<string, unknown>, maxLifetimeSeconds: number, now = Date.now(), names = OWN_CLAIMS): VerifiedToken {
  const { sub, exp, iat } = payload;
  const org = payload[names.org];
  const role = payload[names.role];
  const admin = payload[names.admin];
  const seconds = Math.floor(now / 1000);
  if (typeof exp !== "number" || exp - seconds > maxLifetimeSeconds + CLOCK_SKEW_SECONDS) {
    throw new TokenError(`the token's exp lies more than ${maxLifetimeSeconds} seconds ahead: tokens live at most that long`);
  }
  if (iat !== undefined && (typeof iat !== "number" || iat > seconds + CLOCK_SKEW_SECONDS)) {
    throw new TokenError("the token's iat lies in the future: check the issuer's clock");
  }
  if (typeof sub !== "string" || sub === "" || typeof org !== "string" || org === "") {
    throw new TokenError(`the token must carry sub and ${names.org}`);
  }
  // The subject is the audit log's actor: printable, bounded, and not in a namespace the registry gives out.
  if (sub.length > MAX_SUBJECT || /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(sub) || RESERVED_SUBJECT.test(sub)) {
    throw new TokenError(`the token's sub must be 1-${MAX_SUBJECT} printable characters, not starting client: or oidc:`);
  }
  if (!ORGANIZATION_CODE.test(org)) throw new TokenError(`the token's ${names.org} is not an organisation code`);
  if (!(TOKEN_ROLES as readonly unknown[]).includes(role)) {
    throw new TokenError(`the token's ${names.role} must be one of ${TOKEN_ROLES.join(", ")}`);
  }
  if (admin !== undefined && typeof admin !== "boolean") throw new TokenError(`the token's ${names.admin} claim must be true or false`);
  return { sub, org, role: role as TokenClaims["role"], exp, admin: admin === true };
}
