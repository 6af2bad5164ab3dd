import { Role } from "../../src/shared/auth/roles";
import { TokenError, parseTtl, signToken, verifyToken } from "../../src/shared/auth/tokens";

const SECRET = "unit-secret-unit-secret-unit-secret-unit";
const DAY = 86400;
const verify = (token: string) => verifyToken(SECRET, token, DAY);

describe("tokens", () => {
  it("round-trips sub, org and role, with an expiry; admin only when marked", async () => {
    const token = await signToken(SECRET, { sub: "u1", org: "CT-LN", role: Role.CARRIER }, 600);
    const [, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    expect(await verify(token)).toEqual({ sub: "u1", org: "CT-LN", role: "CARRIER", exp: claims.exp, admin: false });
    expect(claims.admin).toBeUndefined();
    const admin = await signToken(SECRET, { sub: "u1", org: "CT-LN", role: Role.CARRIER, admin: true }, 600);
    expect(await verify(admin)).toMatchObject({ admin: true });
    expect(claims.exp - claims.iat).toBe(600);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).alg).toBe("HS256");
  });

  it("refuses an expired token, a wrong secret, an unknown role and PUBLIC", async () => {
    const expired = await signToken(SECRET, { sub: "u", org: "CT", role: Role.CARRIER }, 60, Date.now() - 120_000);
    await expect(verify(expired)).rejects.toThrow("expired");
    const other = await signToken("x".repeat(40), { sub: "u", org: "CT", role: Role.CARRIER }, 60);
    await expect(verify(other)).rejects.toThrow(TokenError);
    const publicRole = await signToken(SECRET, { sub: "u", org: "CT", role: "PUBLIC" as any }, 60);
    await expect(verify(publicRole)).rejects.toThrow(/role/);
  });

  it("refuses a token that lives longer than the maximum from now, and accepts one at the maximum", async () => {
    const claims = { sub: "u", org: "CT", role: Role.CARRIER } as const;
    await expect(verify(await signToken(SECRET, claims, 2 * DAY))).rejects.toThrow(`more than ${DAY} seconds ahead`);
    // Issued long ago, expiring far ahead: what counts is how far ahead exp lies.
    const old = await signToken(SECRET, claims, 3 * DAY, Date.now() - DAY);
    await expect(verify(old)).rejects.toThrow(/exp lies more than/);
    await expect(verify(await signToken(SECRET, claims, DAY))).resolves.toMatchObject({ sub: "u" });
    await expect(verifyToken(SECRET, await signToken(SECRET, claims, DAY), 3600)).rejects.toThrow("more than 3600 seconds ahead");
  });

  it("refuses a token issued in the future beyond a minute of clock skew", async () => {
    const claims = { sub: "u", org: "CT", role: Role.CARRIER } as const;
    const future = await signToken(SECRET, claims, 600, Date.now() + 5 * 60_000);
    await expect(verify(future)).rejects.toThrow(/iat lies in the future/);
    const skewed = await signToken(SECRET, claims, 600, Date.now() + 30_000);
    await expect(verify(skewed)).resolves.toMatchObject({ sub: "u" });
  });

  it.each([
    ["8h", 28800],
    ["30m", 1800],
    ["7d", 604800],
    ["90s", 90],
  ])("TTL %s is %d seconds", (ttl, seconds) => expect(parseTtl(ttl)).toBe(seconds));

  it.each(["8", "h", "0h", "-1h", "8 hours", ""])("TTL %j is refused", (ttl) => expect(() => parseTtl(ttl)).toThrow());
});
