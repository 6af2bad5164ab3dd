#!/usr/bin/env node
// A receiver for the number registry's webhooks: plain Node.js (18 or later), no dependencies.
//
//   WEBHOOK_SECRET='the secret you gave createWebhook' node examples/webhook-receiver/server.js
//
// Settings (environment): WEBHOOK_SECRET (required), PORT (8080; 0 picks a free one), HOST (127.0.0.1),
// STATE_FILE (./webhook-state.json: the last sequence and cursors processed, kept across restarts).
//
// It verifies every request's signature over the raw body before reading it, refuses stale timestamps,
// ignores duplicates (deliveries are at least once), and prints one line per event. Put your own work in
// handle(); answer 2xx only once it is done (or safely queued): anything else is retried.
"use strict";

const { createHmac, timingSafeEqual } = require("node:crypto");
const { existsSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const http = require("node:http");

const SECRET = process.env.WEBHOOK_SECRET;
const PORT = Number(process.env.PORT ?? 8080);
const HOST = process.env.HOST ?? "127.0.0.1";
const STATE_FILE = process.env.STATE_FILE ?? "webhook-state.json";
const TOLERANCE_SECONDS = 300; // a signed request older (or newer) than this is refused: a captured one cannot be replayed later
const MAX_BODY_BYTES = 10 * 1024 * 1024;

if (!SECRET) {
  process.stderr.write("WEBHOOK_SECRET is required: the secret you gave createWebhook\n");
  process.exit(2);
}

/** Whether the request was signed by the registry with SECRET: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>. */
function verify(headers, rawBody) {
  const timestamp = String(headers["x-registry-timestamp"] ?? "");
  const given = String(headers["x-registry-signature"] ?? "");
  if (!/^\d{1,12}$/.test(timestamp)) return "no X-Registry-Timestamp";
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return "stale X-Registry-Timestamp";
  const expected = "v1=" + createHmac("sha256", SECRET).update(timestamp + "." + rawBody, "utf8").digest("hex");
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b) ? null : "bad X-Registry-Signature";
}

// What was processed, per webhook: the last sequence (deliveries are numbered 1, 2, 3... per endpoint and sent
// in order), and the last cursor of each event (NUMBER_CHANGED's is the change feed's: numberChanges(after:)).
const state = existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, "utf8")) : {};

function save() {
  writeFileSync(`${STATE_FILE}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
}

/** Your work. Throwing makes the receiver answer 500, and the registry try again later. */
function handle(delivery) {
  const { event, data } = delivery;
  switch (event) {
    case "SHUTDOWN_ORDER_ISSUED":
      console.log(`SHUTDOWN_ORDER_ISSUED order ${data.orderId} (case ${data.caseNumber}, ${data.reason}): stop ${data.numbers.join(", ")}` +
        ` — acknowledge by ${data.acknowledgementDeadline}, execute by ${data.executionDeadline}`);
      break;
    case "NUMBER_CHANGED":
      for (const c of data.changes) console.log(`NUMBER_CHANGED #${c.sequence} ${c.number} ${c.previousStatus ?? "(new)"} -> ${c.status} (${c.cause})`);
      break;
    case "TRUNK_BLACKLISTED":
      for (const t of data.trunkLines) console.log(`TRUNK_BLACKLISTED trunk ${t.id} of ${t.callCenterCode}: its ${data.subject === "COMPANY" ? "company" : "legal representative"} is blacklisted`);
      break;
    case "SHUTDOWN_ITEM_OVERDUE":
      console.log(`SHUTDOWN_ITEM_OVERDUE order ${data.orderId}: ${data.deadline} deadline ${data.deadlineAt} passed for ${data.items.map((i) => i.number).join(", ")}`);
      break;
    default:
      console.log(`${event}: not handled here`);
  }
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on("end", () => {
    const raw = Buffer.concat(chunks).toString("utf8");
    const refused = verify(req.headers, raw);
    if (refused) {
      console.error(`refused a request: ${refused}`);
      return void res.writeHead(401).end(refused);
    }
    let delivery;
    try {
      delivery = JSON.parse(raw);
    } catch {
      return void res.writeHead(400).end("not JSON");
    }
    const seen = (state[delivery.webhookId] ??= { sequence: 0, cursors: {} });
    if (delivery.sequence <= seen.sequence) {
      // A retry of something already processed (its answer was lost), or a replay you asked for: acknowledge it.
      console.log(`delivery ${delivery.id} (sequence ${delivery.sequence}) already processed`);
      return void res.writeHead(204).end();
    }
    if (delivery.sequence !== seen.sequence + 1 && seen.sequence > 0) {
      // Cannot happen while the webhook lives (deliveries are sent in sequence); after a new webhook, sequences restart.
      console.log(`sequence jumped from ${seen.sequence} to ${delivery.sequence}`);
    }
    try {
      handle(delivery);
    } catch (error) {
      console.error(`could not handle delivery ${delivery.id}: ${error.message}`);
      return void res.writeHead(500).end();
    }
    seen.sequence = delivery.sequence;
    seen.cursors[delivery.event] = delivery.cursor;
    save();
    res.writeHead(204).end();
  });
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  console.log(`webhook receiver listening on http://${HOST}:${port}/`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
