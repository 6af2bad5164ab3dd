import { Role } from "../../src/shared/auth/roles";
import { TokenError, parseTtl, signToken, verifyToken } from "../../src/shared/auth/tokens";

const SECRET = "unit-secret-unit-secret-unit-secret-unit";

describe("tokens", () => {
  it("round-trips sub, org and role, with an expiry", async () => {
    const token = await signToken(SECRET, { sub: "u1", org: "CT-LN", role: Role.CARRIER }, 600);
    expect(await verifyToken(SECRET, token)).toEqual({ sub: "u1", org: "CT-LN", role: "CARRIER" });
    const [, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    expect(claims.exp - claims.iat).toBe(600);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).alg).toBe("HS256");
  });

  it("refuses an expired token, a wrong secret, an unknown role and PUBLIC", async () => {
    const expired = await signToken(SECRET, { sub: "u", org: "CT", role: Role.CARRIER }, 60, Date.now() - 120_000);
    await expect(verifyToken(SECRET, expired)).rejects.toThrow("expired");
    const other = await signToken("x".repeat(40), { sub: "u", org: "CT", role: Role.CARRIER }, 60);
    await expect(verifyToken(SECRET, other)).rejects.toThrow(TokenError);
    const publicRole = await signToken(SECRET, { sub: "u", org: "CT", role: "PUBLIC" as any }, 60);
    await expect(verifyToken(SECRET, publicRole)).rejects.toThrow(/role/);
  });

  it.each([
    ["8h", 28800],
    ["30m", 1800],
    ["7d", 604800],
    ["90s", 90],
  ])("TTL %s is %d seconds", (ttl, seconds) => expect(parseTtl(ttl)).toBe(seconds));

  it.each(["8", "h", "0h", "-1h", "8 hours", ""])("TTL %j is refused", (ttl) => expect(() => parseTtl(ttl)).toThrow());
});
