import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { hostOf, refusedAddress, resolveHost } from "./webhook-addresses";

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: what X-Registry-Signature carries. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;
}

export interface Attempt {
  /** The HTTP status the endpoint answered; null when there was no answer. */
  statusCode: number | null;
  /** Why the attempt failed, when it did: no answer, a refused address, a status other than 2xx. */
  error: string | null;
  /** The address connected to (or refused). */
  address: string | null;
  startedAt: Date;
  durationMs: number;
}

export interface Post {
  url: string;
  event: string;
  deliveryId: string;
  body: string;
  secret: string;
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

const MAX_ERROR = 500;
// What a response body may hold before the connection is dropped: nothing of it is kept.
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One attempt: resolves the endpoint's host, refuses it when any address is not public (unless allowed),
 * and POSTs the body to the first address, signed with a fresh timestamp. The whole attempt, connection
 * and response included, ends at the timeout. Redirects are not followed: a 3xx is a failure like any
 * status outside 2xx. Never throws.
 */
export async function postDelivery(post: Post): Promise<Attempt> {
  const startedAt = new Date();
  const begun = performance.now();
  const done = (statusCode: number | null, error: string | null, address: string | null): Attempt => ({
    statusCode, error: error === null ? null : error.slice(0, MAX_ERROR), address, startedAt, durationMs: Math.round(performance.now() - begun),
  });
  let url: URL;
  try {
    url = new URL(post.url);
  } catch {
    return done(null, "the endpoint's url does not parse", null);
  }
  const host = hostOf(url);
  const resolved = await resolveHost(host, post.timeoutMs);
  if ("error" in resolved) return done(null, resolved.error, null);
  const refused = refusedAddress(resolved.addresses, post.allowPrivate);
  if (refused !== null) return done(null, `refused: ${host} resolves to ${refused}, which is not a public address`, refused);
  const address = resolved.addresses[0];
  const family = isIP(address);
  // The connection goes to the address just checked, whatever the name resolves to a moment later.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  if (post.signal?.aborted) return done(null, "the registry stopped before the attempt", null);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const client = url.protocol === "https:" ? https : http;
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      post.signal?.removeEventListener("abort", onAbort);
      resolve(done(statusCode, error, address));
    };
    const request = client.request(
      url,
      {
        method: "POST",
        agent: false,
        lookup: pinned,
        ...(url.protocol === "https:" && !isIP(host) ? { servername: host } : {}),
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(post.body, "utf8"),
          "user-agent": "number-registry-webhooks/1",
          "x-registry-event": post.event,
          "x-registry-delivery": post.deliveryId,
          "x-registry-timestamp": timestamp,
          "x-registry-signature": signature(post.secret, timestamp, post.body),
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        const answered = () => {
          if (status >= 200 && status < 300) return finish(status, null);
          if (status >= 300 && status < 400) {
            const location = response.headers.location ? ` to ${String(response.headers.location).slice(0, 200)}` : "";
            return finish(status, `HTTP ${status}: a redirect${location}, not followed`);
          }
          finish(status, `HTTP ${status}`);
        };
        response.on("end", answered);
        response.on("close", answered);
        response.on("error", answered);
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${post.timeoutMs} ms`)), post.timeoutMs);
    const onAbort = () => request.destroy(new Error("the registry stopped before an answer"));
    post.signal?.addEventListener("abort", onAbort);
    request.on("error", (error: NodeJS.ErrnoException) => finish(null, error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message));
    request.end(post.body);
  });
}
