import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/*
 * Where a webhook may be sent: http(s) URLs whose host resolves only to public addresses, so that no
 * organisation can make the registry call into its own network (the database, a cloud's metadata service,
 * an admin port on loopback). Checked when an endpoint is registered and again before every attempt, on the
 * addresses the attempt then connects to, so a name re-pointed after registration (DNS rebinding) gains nothing.
 */

export const MAX_URL_LENGTH = 2048;

const REFUSED = new BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8], // "this network", the unspecified address
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT (shared address space)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  REFUSED.addSubnet(prefix, bits, "ipv4");
}
for (const [prefix, bits] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard-only
  ["2001::", 32], // Teredo (tunnels to an IPv4 address it hides)
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local (private)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  REFUSED.addSubnet(prefix, bits, "ipv6");
}

/** The eight 16-bit groups of an IPv6 address (with or without an embedded IPv4 tail), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    if (isIP(tail[1]) !== 4) return null;
    const [a, b, c, d] = tail[1].split(".").map(Number);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 0) return null;
  const groups = halves.length === 2 ? [...head, ...Array(missing).fill(0), ...rest] : head;
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

const dotted = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 address carries to an IPv4 host, for the forms that reach one: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96)
 * and 6to4 (2002:AABB:CCDD::/48). null for any other.
 */
function embeddedIpv4(groups: number[]): string | null {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return dotted(groups[6], groups[7]);
  if (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0) return dotted(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return dotted(groups[6], groups[7]);
  if (groups[0] === 0x2002) return dotted(groups[1], groups[2]);
  return null;
}

/**
 * Whether an address is one the registry may send to: a public unicast address, IPv4 or IPv6. Private,
 * loopback, link-local, multicast, unspecified, reserved and documentation ranges are not, nor an IPv6
 * address that carries one of those IPv4 addresses (mapped, compatible, NAT64, 6to4). Anything that is
 * not an IP address is not either.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !REFUSED.check(address, "ipv4");
  if (family !== 6) return false;
  const groups = ipv6Groups(address);
  if (!groups) return false;
  const v4 = embeddedIpv4(groups);
  if (v4 !== null) return isIP(v4) === 4 && !REFUSED.check(v4, "ipv4");
  // BlockList reads the address itself; a zone index (fe80::1%eth0) is link-local anyway.
  const bare = address.split("%")[0];
  if (bare !== address) return false;
  return !REFUSED.check(bare, "ipv6");
}

/** A parsed endpoint URL, or why it is not one. */
export type EndpointUrl = { ok: true; url: URL } | { ok: false; reason: string };

/** The host of a URL as an address or name to resolve: IPv6 literals without their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/** An http(s) URL with a host, no credentials and no fragment, at most MAX_URL_LENGTH characters. */
export function parseEndpointUrl(text: string): EndpointUrl {
  if (text.length > MAX_URL_LENGTH) return { ok: false, reason: `url must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: "url is not an absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "url must be an http or https URL" };
  if (url.hostname === "") return { ok: false, reason: "url must name a host" };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "url must not carry a user name or password: the signature authenticates the registry" };
  if (url.hash !== "") return { ok: false, reason: "url must not have a fragment (#...)" };
  if (url.href.length > MAX_URL_LENGTH) return { ok: false, reason: `url must be at most ${MAX_URL_LENGTH} characters` };
  return { ok: true, url };
}

/** The addresses a host resolves to (itself when it is an address), or why it does not resolve. */
export async function resolveHost(host: string, timeoutMs = 5000): Promise<{ addresses: string[] } | { error: string }> {
  if (isIP(host)) return { addresses: [host] };
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(host, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    if (found.length === 0) return { error: `${host} does not resolve` };
    return { addresses: found.map((a) => a.address) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { error: `${host} does not resolve (${code ?? (error as Error).message})` };
  } finally {
    clearTimeout(timer);
  }
}

/** The first of these addresses the registry may not send to, or null when all are allowed. */
export function refusedAddress(addresses: readonly string[], allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  return addresses.find((a) => !isPublicAddress(a)) ?? null;
}
