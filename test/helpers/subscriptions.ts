import { Client, createClient } from "graphql-ws/client";
import WebSocket from "ws";

/** The shutdown notices a subscription asks for, each field of them. */
export const SHUTDOWN_NOTICES = `subscription { shutdownOrderIssued { orderId numbers reason executionDeadline } }`;

export interface Subscription {
  /** The notices delivered so far. */
  received: any[];
  /** The errors the server answered the subscription with. */
  errors: unknown[];
}

/**
 * Subscribes to shutdown notices over graphql-ws with a token; `received` fills as notices arrive. The
 * client joins `clients`, for the test file to dispose of at its end.
 */
export async function subscribeToNotices(url: string, token: string, clients: Client[]): Promise<Subscription> {
  const received: any[] = [];
  const errors: unknown[] = [];
  const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on("connected", () => { offConnected(); resolve(); });
    client.on("closed", (event) => reject(new Error(`closed ${(event as { code?: number }).code}`)));
  });
  client.subscribe({ query: SHUTDOWN_NOTICES }, {
    next: (value) => (value.errors ? errors.push(...value.errors) : received.push(value.data?.shutdownOrderIssued)),
    error: (error) => errors.push(error),
    complete: () => undefined,
  });
  await new Promise((r) => setTimeout(r, 100)); // the subscription is registered server-side
  return { received, errors };
}

/** Waits until the check holds, or the time is up (the assertion after it then says what is missing). */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
