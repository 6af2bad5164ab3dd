import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

// Personal data (PIPL) at rest: sealed with AES-256-GCM, found again by a keyed hash,
// shown masked. One configured key; HKDF gives each use its own sub-key.

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Changing a label makes everything sealed or hashed before unreadable or unfindable: add a v2 instead.
const ENCRYPTION_INFO = "registry pii encryption v1";
const LOOKUP_INFO = "registry pii lookup v1";

const BASE64URL = /^[A-Za-z0-9_-]*$/;
// Unpaired UTF-16 surrogates, which UTF-8 would silently turn into U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export interface PiiKeys {
  encryption: Buffer;
  lookup: Buffer;
}

/** The encryption and lookup sub-keys of a 32-byte key (HKDF-SHA256, one `info` label each). */
export function derivePiiKeys(key: Buffer): PiiKeys {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new RangeError(`the personal-data key must be ${KEY_BYTES} bytes, not ${Buffer.isBuffer(key) ? key.length : typeof key}`);
  }
  // No salt: the key is already uniformly random, and a salt would have to be stored and kept with it.
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), info, KEY_BYTES));
  return { encryption: derive(ENCRYPTION_INFO), lookup: derive(LOOKUP_INFO) };
}

export class PiiVault {
  // #private, so the sub-keys stay out of console.log, JSON and error reports.
  readonly #encryptionKey: Buffer;
  readonly #lookupKey: Buffer;

  constructor(key: Buffer) {
    const keys = derivePiiKeys(key);
    this.#encryptionKey = keys.encryption;
    this.#lookupKey = keys.lookup;
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each base64url; a fresh random IV each call, so equal texts seal differently. */
  encrypt(plain: string): string {
    assertText(plain, "encrypted");
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#encryptionKey, iv, { authTagLength: TAG_BYTES });
    // The version is authenticated too, so a sealed value cannot be relabelled as another format.
    cipher.setAAD(Buffer.from(VERSION));
    const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, ...[iv, tag, ciphertext].map((part) => part.toString("base64url"))].join(".");
  }

  /** The text sealed by encrypt; an Error when the value is malformed, of another version, altered or sealed with another key. */
  decrypt(sealed: string): string {
    if (typeof sealed !== "string") throw new Error("cannot decrypt: a sealed value is a string");
    const parts = sealed.split(".");
    if (parts.length !== 4) {
      throw new Error(`cannot decrypt: a sealed value has 4 dot-separated parts (version.iv.tag.ciphertext), not ${parts.length}`);
    }
    const [version, ...encoded] = parts;
    if (version !== VERSION) {
      const shown = /^v\d{1,6}$/.test(version) ? `version "${version}"` : "no version";
      throw new Error(`cannot decrypt: the sealed value has ${shown}; this vault reads only ${VERSION}`);
    }
    const [iv, tag, ciphertext] = encoded.map(decodePart);
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new Error(`cannot decrypt: the IV must be ${IV_BYTES} bytes and the tag ${TAG_BYTES}, not ${iv.length} and ${tag.length}`);
    }
    const decipher = createDecipheriv("aes-256-gcm", this.#encryptionKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(VERSION));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch (cause) {
      // GCM cannot tell the two apart: either way the tag does not match.
      throw new Error("cannot decrypt: the sealed value was altered or sealed with another key", { cause });
    }
  }

  /**
   * HMAC-SHA256 (hex) for equality look-ups, such as finding subscribers by ID number without
   * decrypting. Exact bytes: hash the canonical value (parseResidentId's, parseUscc's), not raw input.
   */
  lookupHash(value: string): string {
    assertText(value, "hashed");
    return createHmac("sha256", this.#lookupKey).update(value, "utf8").digest("hex");
  }
}

/** The first 6 and last 4 characters, the rest `*`; ten characters or fewer are all `*`. */
export function maskIdNumber(value: string): string {
  const chars = Array.from(value);
  if (chars.length <= 10) return "*".repeat(chars.length);
  return chars.slice(0, 6).join("") + "*".repeat(chars.length - 10) + chars.slice(-4).join("");
}

function assertText(value: string, what: string): void {
  if (typeof value !== "string") throw new TypeError(`only strings are ${what}, not ${typeof value}`);
  if (LONE_SURROGATE.test(value)) throw new TypeError(`a string with an unpaired surrogate cannot be ${what} faithfully`);
}

// Strict base64url: Buffer.from ignores stray characters and unused trailing bits, so two
// different strings could otherwise decode to the same bytes.
function decodePart(text: string): Buffer {
  const bytes = Buffer.from(text, "base64url");
  if (!BASE64URL.test(text) || bytes.toString("base64url") !== text) {
    throw new Error("cannot decrypt: a part of the sealed value is not canonical base64url");
  }
  return bytes;
}
