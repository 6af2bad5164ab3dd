import { createDecipheriv, createHash, createHmac, hkdfSync } from "node:crypto";
import { inspect } from "node:util";
import { residentIdCheckCharacter } from "../../src/shared/identity/resident-id";
import { scrub } from "../../src/shared/logger";
import { PiiVault, derivePiiKeys, maskIdNumber } from "../../src/shared/pii";

const KEY = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const OTHER_KEY = Buffer.alloc(32, 0xa5);
const vault = new PiiVault(KEY);
const b64 = (bytes: Buffer) => bytes.toString("base64url");
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A resident ID number made from a chosen body, not a real person's.
const ID = (() => {
  const body = "32010219880808123";
  return body + residentIdCheckCharacter(body);
})();

const TEXTS = ["", "a", ID, "张三", "北京市朝阳区建国路1号 100020", "李四 (legal representative) ✓ 😀", "x".repeat(10_000)];

// Deterministic pseudo-random numbers, so a failure can be replayed.
function generator(seed: number): (n: number) => number {
  let state = seed;
  return (n) => (state = (state * 1103515245 + 12345) % 2 ** 31) % n;
}

describe("PiiVault encryption", () => {
  it.each(TEXTS.map((t) => [t.length > 40 ? `${t.length} characters` : JSON.stringify(t), t]))("round-trips %s", (_, text) => {
    expect(vault.decrypt(vault.encrypt(text))).toBe(text);
  });

  it("writes v1.<iv>.<tag>.<ciphertext> in base64url, the ciphertext as long as the UTF-8 text", () => {
    for (const text of TEXTS) {
      const sealed = vault.encrypt(text);
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(Buffer.from(sealed.split(".")[3], "base64url").length).toBe(Buffer.byteLength(text, "utf8"));
      if (text.length >= 4) expect(Buffer.from(sealed.split(".")[3], "base64url").includes(Buffer.from(text))).toBe(false);
    }
  });

  it("seals the same text differently each time, with a fresh IV", () => {
    const sealed = Array.from({ length: 50 }, () => vault.encrypt(ID));
    expect(new Set(sealed).size).toBe(50);
    expect(new Set(sealed.map((s) => s.split(".")[1])).size).toBe(50);
    for (const s of sealed) expect(vault.decrypt(s)).toBe(ID);
  });

  it("a vault made from the same key reads what another sealed", () => {
    expect(new PiiVault(Buffer.from(KEY)).decrypt(vault.encrypt("张三"))).toBe("张三");
  });

  it("refuses a value sealed with another key", () => {
    const sealed = new PiiVault(OTHER_KEY).encrypt(ID);
    expect(() => vault.decrypt(sealed)).toThrow("cannot decrypt: the sealed value was altered or sealed with another key");
  });

  it("refuses every flipped byte of the IV, the tag and the ciphertext", () => {
    const [version, ...parts] = vault.encrypt("王五 110108").split(".");
    let tried = 0;
    for (let part = 0; part < 3; part++) {
      const bytes = Buffer.from(parts[part], "base64url");
      for (let i = 0; i < bytes.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const altered = Buffer.from(bytes);
          altered[i] ^= mask;
          const sealed = [version, ...parts.map((p, j) => (j === part ? b64(altered) : p))].join(".");
          expect(() => vault.decrypt(sealed)).toThrow(/altered or sealed with another key/);
          tried++;
        }
      }
    }
    expect(tried).toBe((12 + 16 + Buffer.byteLength("王五 110108")) * 3);
  });

  it("refuses every changed character of the sealed text", () => {
    const sealed = vault.encrypt(ID);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    const next = generator(3);
    for (let i = 0; i < sealed.length; i++) {
      for (let n = 0; n < 8; n++) {
        const c = alphabet[next(alphabet.length)];
        if (c === sealed[i]) continue;
        const changed = sealed.slice(0, i) + c + sealed.slice(i + 1);
        expect(() => vault.decrypt(changed)).toThrow(/^cannot decrypt: /);
      }
    }
  });

  it("refuses ciphertext, IV or tag taken from another sealed value", () => {
    const a = vault.encrypt("张三").split(".");
    const b = vault.encrypt("李四").split(".");
    for (let part = 1; part < 4; part++) {
      const mixed = a.map((p, j) => (j === part ? b[part] : p)).join(".");
      expect(() => vault.decrypt(mixed)).toThrow(/altered or sealed with another key/);
    }
  });

  it("refuses another version, even with a genuine body, naming the version it reads", () => {
    const [, ...rest] = vault.encrypt(ID).split(".");
    expect(() => vault.decrypt(["v2", ...rest].join("."))).toThrow('cannot decrypt: the sealed value has version "v2"; this vault reads only v1');
    expect(() => vault.decrypt(["V1", ...rest].join("."))).toThrow(/has no version; this vault reads only v1/);
    expect(() => vault.decrypt(["", ...rest].join("."))).toThrow(/has no version/);
  });

  it("refuses malformed values with a reason", () => {
    const [version, iv, tag, ciphertext] = vault.encrypt(ID).split(".");
    const cases: Array<[string, RegExp]> = [
      ["", /4 dot-separated parts .* not 1/],
      [ID, /not 1/],
      [[version, iv, tag].join("."), /not 3/],
      [[version, iv, tag, ciphertext, ""].join("."), /not 5/],
      [[version, iv.slice(4), tag, ciphertext].join("."), /the IV must be 12 bytes and the tag 16, not 9 and 16/],
      [[version, iv, tag.slice(0, 16), ciphertext].join("."), /not 12 and 12/],
      [[version, iv, tag, `${ciphertext}=`].join("."), /not canonical base64url/],
      [[version, `${iv.slice(0, 8)}+${iv.slice(9)}`, tag, ciphertext].join("."), /not canonical base64url/],
      // The tag's 22nd character carries 2 bits of the tag and 4 unused ones: changing those decodes to the same bytes.
      [[version, iv, tag.slice(0, 21) + BASE64URL[BASE64URL.indexOf(tag[21]) ^ 1], ciphertext].join("."), /not canonical base64url/],
    ];
    for (const [sealed, reason] of cases) expect(() => vault.decrypt(sealed)).toThrow(reason);
  });

  it("random texts of every script round-trip", () => {
    const next = generator(11);
    const ranges: Array<[number, number]> = [[0x20, 0x7e], [0x4e00, 0x9fff], [0x3000, 0x303f], [0xff01, 0xff5e], [0x1f300, 0x1f5ff], [0, 0x1f]];
    for (let n = 0; n < 200; n++) {
      const text = Array.from({ length: next(40) }, () => {
        const [low, high] = ranges[next(ranges.length)];
        return String.fromCodePoint(low + next(high - low + 1));
      }).join("");
      expect(vault.decrypt(vault.encrypt(text))).toBe(text);
    }
  });

  it("refuses text that UTF-8 cannot carry faithfully", () => {
    expect(() => vault.encrypt("\uD800abc")).toThrow(/unpaired surrogate/);
    expect(() => vault.lookupHash("abc\uDFFF")).toThrow(/unpaired surrogate/);
    expect(() => vault.encrypt(42 as unknown as string)).toThrow(/only strings/);
  });
});

describe("PiiVault lookup hashes", () => {
  it("are 64 hex characters, the same for the same value and key", () => {
    const hash = vault.lookupHash(ID);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(vault.lookupHash(ID)).toBe(hash);
    expect(new PiiVault(Buffer.from(KEY)).lookupHash(ID)).toBe(hash);
  });

  it("differ across values and across keys", () => {
    const hashes = new Set(TEXTS.map((t) => vault.lookupHash(t)));
    expect(hashes.size).toBe(TEXTS.length);
    expect(new PiiVault(OTHER_KEY).lookupHash(ID)).not.toBe(vault.lookupHash(ID));
    // Exact bytes: callers hash the canonical value.
    expect(vault.lookupHash("abc")).not.toBe(vault.lookupHash("ABC"));
    expect(vault.lookupHash(ID)).not.toBe(vault.lookupHash(` ${ID}`));
  });

  it("are keyed: not a plain hash, nor an HMAC under the configured key itself", () => {
    const hash = vault.lookupHash(ID);
    expect(hash).not.toBe(createHash("sha256").update(ID).digest("hex"));
    expect(hash).not.toBe(createHmac("sha256", KEY).update(ID).digest("hex"));
  });
});

describe("PiiVault keys", () => {
  const keys = derivePiiKeys(KEY);

  it("derives two different 32-byte sub-keys, neither the configured key", () => {
    expect(keys.encryption).toHaveLength(32);
    expect(keys.lookup).toHaveLength(32);
    expect(keys.encryption.equals(keys.lookup)).toBe(false);
    expect(keys.encryption.equals(KEY)).toBe(false);
    expect(keys.lookup.equals(KEY)).toBe(false);
    expect(derivePiiKeys(Buffer.from(KEY))).toEqual(keys);
    expect(derivePiiKeys(OTHER_KEY).encryption.equals(keys.encryption)).toBe(false);
  });

  it("derives them by HKDF-SHA256 with the labels stored data depends on", () => {
    const hkdf = (info: string) => Buffer.from(hkdfSync("sha256", KEY, Buffer.alloc(0), info, 32));
    expect(keys.encryption.equals(hkdf("registry pii encryption v1"))).toBe(true);
    expect(keys.lookup.equals(hkdf("registry pii lookup v1"))).toBe(true);
  });

  it("encrypts with the encryption sub-key and hashes with the lookup sub-key", () => {
    expect(vault.lookupHash(ID)).toBe(createHmac("sha256", keys.lookup).update(ID).digest("hex"));
    expect(vault.lookupHash(ID)).not.toBe(createHmac("sha256", keys.encryption).update(ID).digest("hex"));

    const [, iv, tag, ciphertext] = vault.encrypt(ID).split(".").map((p, i) => (i === 0 ? Buffer.from(p) : Buffer.from(p, "base64url")));
    const open = (key: Buffer) => {
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
      decipher.setAAD(Buffer.from("v1"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    };
    expect(open(keys.encryption)).toBe(ID);
    expect(() => open(keys.lookup)).toThrow();
    expect(() => open(KEY)).toThrow();
  });

  it("refuses a key that is not 32 bytes", () => {
    for (const length of [0, 16, 31, 33, 64]) {
      expect(() => new PiiVault(Buffer.alloc(length, 1))).toThrow(`the personal-data key must be 32 bytes, not ${length}`);
    }
    expect(() => new PiiVault(KEY.toString("hex") as unknown as Buffer)).toThrow(/32 bytes, not string/);
  });

  it("keeps the keys out of logs and JSON", () => {
    const shown = `${inspect(vault, { showHidden: true, depth: 5 })} ${JSON.stringify(vault)}`;
    for (const key of [KEY, keys.encryption, keys.lookup]) {
      expect(shown).not.toContain(key.toString("hex").slice(0, 16));
      expect(shown).not.toContain(key.toString("base64").slice(0, 12));
      expect(shown).not.toMatch(new RegExp(Array.from(key.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ")));
    }
  });
});

describe("maskIdNumber", () => {
  it("keeps the first 6 and last 4 characters of an ID number", () => {
    expect(maskIdNumber(ID)).toBe(`${ID.slice(0, 6)}********${ID.slice(14)}`);
    expect(maskIdNumber(ID)).toHaveLength(18);
    expect(maskIdNumber("11010819900101123X")).toBe("110108********123X");
  });

  it("masks like the log scrubber does", () => {
    expect(maskIdNumber(ID)).toBe(scrub(ID));
  });

  it("masks what lies between the kept ends, whatever the length", () => {
    expect(maskIdNumber("12345678901")).toBe("123456*8901");
    expect(maskIdNumber("91110108MA01ABCDEN")).toBe("911101********CDEN");
    expect(maskIdNumber("abcdefghijklmnopqrstu")).toBe("abcdef***********rstu");
  });

  it("masks ten characters or fewer entirely", () => {
    for (let length = 0; length <= 10; length++) {
      expect(maskIdNumber("7".repeat(length))).toBe("*".repeat(length));
    }
  });

  it("counts characters, not UTF-16 units", () => {
    expect(maskIdNumber("😀😀😀😀😀😀😀😀😀😀😀")).toBe("😀😀😀😀😀😀*😀😀😀😀");
    expect(maskIdNumber("张".repeat(10))).toBe("*".repeat(10));
  });
});
