// The token lives in this tab's sessionStorage only: never localStorage, never a cookie, so it goes
// when the tab closes and no other site's request carries it.
const KEY = "registry-console-token";
const LAYOUT = "registry-console-layout";

/** What the console reads from a token's claims: for choosing a layout only, never for deciding access. */
export interface Claims {
  /** The organisation's code; "" for an API key, whose organisation the console cannot read. */
  org: string;
  role: string;
  sub: string | null;
  /** Seconds since the epoch; null when the token has none. */
  exp: number | null;
  /** An API client's secret (nr_live_…) rather than a token: the user chose the layout's role. */
  apiKey: boolean;
}

export const LAYOUT_ROLES = ["REGULATOR", "POLICE", "CARRIER"] as const;

export const isApiKey = (text: string) => /^nr_live_[A-Za-z0-9_-]+$/.test(text);

/** The signed-in credential and, for an API key, the layout chosen for it. */
export function storedCredential(): { token: string; layout: string | null } | null {
  try {
    const token = sessionStorage.getItem(KEY);
    return token ? { token, layout: sessionStorage.getItem(LAYOUT) } : null;
  } catch {
    return null;
  }
}

export function storeCredential(token: string, layout: string | null): void {
  sessionStorage.setItem(KEY, token);
  if (layout) sessionStorage.setItem(LAYOUT, layout);
  else sessionStorage.removeItem(LAYOUT);
}

export function forgetCredential(): void {
  try {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(LAYOUT);
  } catch {
    // Nothing stored.
  }
}

/** Claims for a token, or the layout chosen for an API key; null when neither fits. */
export function claimsFor(token: string, layout: string | null): Claims | null {
  if (isApiKey(token)) {
    return layout && (LAYOUT_ROLES as readonly string[]).includes(layout) ? { org: "", role: layout, sub: null, exp: null, apiKey: true } : null;
  }
  return claimsOf(token);
}

/** A pasted token without spaces or a "Bearer " prefix someone copied with it. */
export function cleanToken(text: string): string {
  return text.trim().replace(/^bearer\s+/i, "").replace(/\s+/g, "");
}

/** The claims of a JWT, unverified (the server verifies); null when it is not a JWT with org and role. */
export function claimsOf(token: string): Claims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    if (typeof claims !== "object" || claims === null) return null;
    const { org, role, sub, exp } = claims as Record<string, unknown>;
    if (typeof org !== "string" || typeof role !== "string") return null;
    return { org, role, sub: typeof sub === "string" ? sub : null, exp: typeof exp === "number" ? exp : null, apiKey: false };
  } catch {
    return null;
  }
}
