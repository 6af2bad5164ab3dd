import { createRemoteJWKSet, jwtVerify } from "jose";
import type { OidcConfig } from "../../config";
import { TokenError, VerifiedToken, checkedClaims, tokenError } from "./tokens";

/** The algorithms single sign-on tokens may be signed with (never HS256: that is JWT_SECRET's). */
export const OIDC_ALGORITHMS = ["RS256", "ES256"];

const DISCOVERY_TIMEOUT_MS = 5000;
const MIN_RETRY_SECONDS = 5;

/**
 * Verifies an OpenID Connect issuer's ID or access tokens against its published keys. The keys are
 * fetched once (from OIDC_JWKS_URI, or the jwks_uri of the issuer's discovery document), kept for
 * jwksMaxAgeSeconds, and fetched again when a token names a key id not among them (a rotation), at most
 * once per jwksCooldownSeconds; a key the issuer withdraws is refused once the kept copy ages out.
 */
export class OidcVerifier {
  private keys: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;
  /** A failed discovery is not tried again before this time (ms): a flood of tokens must not become a flood of fetches. */
  private retryAfter = 0;
  private lastFailure: TokenError | null = null;

  constructor(private readonly config: OidcConfig) {}

  async verify(token: string, maxLifetimeSeconds: number, now = Date.now()): Promise<VerifiedToken> {
    const keys = await this.keySet();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: OIDC_ALGORITHMS,
        requiredClaims: ["sub", "exp"],
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw tokenError(error);
    }
    const { orgClaim: org, roleClaim: role, adminClaim: admin } = this.config;
    const claims = checkedClaims(payload, maxLifetimeSeconds, now, { org, role, admin });
    if (!this.config.allowedRoles.includes(claims.role)) {
      throw new TokenError(`single sign-on does not grant the role ${claims.role} here (OIDC_ALLOWED_ROLES)`);
    }
    // The issuer's subject, told apart in the audit log from this registry's own tokens and API clients.
    return { ...claims, sub: `oidc:${claims.sub}` };
  }

  /** The issuer's key set, found once; a failed discovery is tried again by the next token. */
  private keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.keys && Date.now() < this.retryAfter) return Promise.reject(this.lastFailure);
    if (!this.keys) {
      this.keys = this.jwksUri().then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cacheMaxAge: this.config.jwksMaxAgeSeconds * 1000,
          cooldownDuration: this.config.jwksCooldownSeconds * 1000,
          timeoutDuration: DISCOVERY_TIMEOUT_MS,
        }),
      );
      this.keys.catch((error) => {
        this.keys = null;
        this.lastFailure = error instanceof TokenError ? error : new TokenError("the single sign-on issuer's keys cannot be fetched");
        this.retryAfter = Date.now() + Math.max(this.config.jwksCooldownSeconds, MIN_RETRY_SECONDS) * 1000;
      });
    }
    return this.keys;
  }

  private async jwksUri(): Promise<string> {
    if (this.config.jwksUri) return this.config.jwksUri;
    const where = `${this.config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(where, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: "error" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (error) {
      throw new TokenError(`the single sign-on issuer cannot be reached to check the token (${(error as Error).message})`);
    }
    // The discovery document must be the configured issuer's own (OpenID Connect Discovery 1.0, section 4.3).
    if (document.issuer !== this.config.issuer || typeof document.jwks_uri !== "string") {
      throw new TokenError("the single sign-on issuer's discovery document does not name it, or names no jwks_uri");
    }
    return document.jwks_uri;
  }
}
