import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { Role, TOKEN_ROLES } from "./roles";

export interface TokenClaims {
  sub: string;
  org: string;
  role: Exclude<Role, Role.PUBLIC>;
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

export async function signToken(secret: string, claims: TokenClaims, ttlSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ org: claims.org, role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

export class TokenError extends Error {}

/** A verified token's claims and when it expires (seconds since the epoch). */
export interface VerifiedToken extends TokenClaims {
  exp: number;
}

/** Clocks of the issuer and the server may disagree by this much when a token says when it was issued. */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * Verifies signature, algorithm and expiry, and the shape of the claims. A token must not outlive
 * `maxLifetimeSeconds` from now (a stolen long-lived token is a standing key), nor claim to be issued
 * in the future.
 */
export async function verifyToken(secret: string, token: string, maxLifetimeSeconds: number, now = Date.now()): Promise<VerifiedToken> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: [ALGORITHM],
      requiredClaims: ["sub", "exp"],
      currentDate: new Date(now),
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenError("the token has expired");
    throw new TokenError("the token is not valid");
  }
  const { sub, org, role, exp, iat } = payload as Record<string, unknown>;
  const seconds = Math.floor(now / 1000);
  if (typeof exp !== "number" || exp - seconds > maxLifetimeSeconds + CLOCK_SKEW_SECONDS) {
    throw new TokenError(`the token's exp lies more than ${maxLifetimeSeconds} seconds ahead: tokens live at most that long`);
  }
  if (iat !== undefined && (typeof iat !== "number" || iat > seconds + CLOCK_SKEW_SECONDS)) {
    throw new TokenError("the token's iat lies in the future: check the issuer's clock");
  }
  if (typeof sub !== "string" || sub === "" || typeof org !== "string" || org === "") {
    throw new TokenError("the token must carry sub and org");
  }
  if (!(TOKEN_ROLES as readonly unknown[]).includes(role)) {
    throw new TokenError(`the token's role must be one of ${TOKEN_ROLES.join(", ")}`);
  }
  return { sub, org, role: role as TokenClaims["role"], exp };
}
