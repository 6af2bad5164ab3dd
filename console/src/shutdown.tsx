import { FormEvent, useId, useMemo, useState } from "react";
import { QueryState, useMutation, useQuery } from "./api";
import { I18n, useI18n } from "./i18n";
import {
  ACKNOWLEDGE_SHUTDOWN,
  CONFIRM_SHUTDOWN_EXECUTED,
  CarrierShutdownPerformance,
  Connection,
  ISSUE_SHUTDOWN_ORDER,
  SHUTDOWN_ORDERS,
  SHUTDOWN_PERFORMANCE,
  SHUTDOWN_REASONS,
  ShutdownItem,
  ShutdownOrder,
  lastDays,
} from "./queries";
import { Column, DataTable } from "./table";
import { Empty, ErrorNote, Figure, Loaded, Section } from "./ui";

export type Orders = QueryState<{ shutdownOrders: Connection<ShutdownOrder> }> & { retry(): void };

export function useOrders(filter: Record<string, unknown> | null): Orders {
  return useQuery<{ shutdownOrders: Connection<ShutdownOrder> }>(SHUTDOWN_ORDERS, { filter });
}

/** One item with its order, as the tables list them. */
export interface OrderItem extends ShutdownItem {
  order: ShutdownOrder;
}

export const itemsOf = (orders: ShutdownOrder[]): OrderItem[] => orders.flatMap((order) => order.items.map((item) => ({ ...item, order })));

/** A provincial bureau does not read the progress of an item outside its province. */
const hidden = (item: ShutdownItem) => item.previousStatus === null && item.overdue === null;

/** How a step (acknowledgement, execution) stands against its deadline, in words. */
function Deadline({ item, at, deadline }: { item: OrderItem; at: string | null; deadline: string }) {
  const i18n = useI18n();
  if (hidden(item)) return <span className="muted">{i18n.t("notShown")}</span>;
  if (at !== null) {
    const late = Date.parse(at) > Date.parse(deadline);
    return <span className={late ? "bad" : "good"}>{i18n.t(late ? "late" : "onTime", { time: i18n.when(at) })}</span>;
  }
  if (item.order.status === "LIFTED") return <span className="muted">—</span>;
  const missed = Date.now() > Date.parse(deadline);
  return <span className={missed ? "bad" : "muted"}>{i18n.t(missed ? "missedDeadline" : "waitingUntil", { time: i18n.when(deadline) })}</span>;
}

function Overdue({ overdue }: { overdue: boolean | null }) {
  const i18n = useI18n();
  if (overdue === null) return <span className="muted">—</span>;
  return overdue ? <strong className="bad">{i18n.t("overdueMark")}</strong> : <span className="muted">{i18n.t("notOverdue")}</span>;
}

/** Items overdue first, then newest order first (the API's order). */
const overdueFirst = (items: OrderItem[]) => [...items].sort((a, b) => Number(b.overdue === true) - Number(a.overdue === true));

function itemColumns(i18n: I18n): Column<OrderItem>[] {
  return [
    { id: "caseNumber", label: i18n.t("colCase"), value: (i) => i.order.caseNumber },
    { id: "number", label: i18n.t("colNumber"), value: (i) => i.number },
    { id: "carrier", label: i18n.t("colCarrier"), value: (i) => i.carrier.code },
    { id: "reason", label: i18n.t("colReason"), value: (i) => i.order.reason, render: (i) => i18n.label("reason", i.order.reason) },
    { id: "issuedAt", label: i18n.t("colIssuedAt"), value: (i) => i.order.issuedAt, render: (i) => i18n.when(i.order.issuedAt) },
    { id: "state", label: i18n.t("colState"), value: (i) => i.state, render: (i) => i18n.label("state", i.state) },
    {
      id: "acknowledgedAt",
      label: i18n.t("colAcknowledgedShort"),
      value: (i) => i.acknowledgedAt,
      render: (i) => <Deadline item={i} at={i.acknowledgedAt} deadline={i.order.acknowledgementDeadline} />,
    },
    {
      id: "executedAt",
      label: i18n.t("colExecuted"),
      value: (i) => i.executedAt,
      render: (i) => <Deadline item={i} at={i.executedAt} deadline={i.order.executionDeadline} />,
    },
    { id: "overdue", label: i18n.t("colOverdue"), value: (i) => i.overdue, render: (i) => <Overdue overdue={i.overdue} /> },
    { id: "status", label: i18n.t("colOrderStatus"), value: (i) => i.order.status, render: (i) => i18n.label("status", i.order.status) },
  ];
}

function Truncated({ connection }: { connection: Connection<ShutdownOrder> }) {
  const i18n = useI18n();
  if (!connection.pageInfo.hasNextPage) return null;
  return <p className="help">{i18n.t("moreThanShown", { shown: i18n.int(connection.edges.length), total: i18n.int(connection.totalCount) })}</p>;
}

/** Regulator: overdue items by carrier, from the orders with an overdue item. */
export function OverduePanel({ orders }: { orders: Orders }) {
  const i18n = useI18n();
  return (
    <Section id="overdue" title={i18n.t("overdueTitle")}>
      <p className="help">{i18n.t("overdueHelp")}</p>
      <Loaded
        query={orders}
        render={({ shutdownOrders }) => {
          const items = itemsOf(shutdownOrders.edges.map((e) => e.node)).filter((i) => i.overdue === true);
          const byCarrier = new Map<string, { carrier: string; items: number; notAcknowledged: number; notExecuted: number; orders: Set<string> }>();
          for (const item of items) {
            const entry = byCarrier.get(item.carrier.code) ?? { carrier: item.carrier.code, items: 0, notAcknowledged: 0, notExecuted: 0, orders: new Set<string>() };
            entry.items += 1;
            if (item.state === "NOTIFIED") entry.notAcknowledged += 1;
            if (item.state !== "EXECUTED") entry.notExecuted += 1;
            entry.orders.add(item.order.id);
            byCarrier.set(item.carrier.code, entry);
          }
          type Row = typeof byCarrier extends Map<string, infer R> ? R : never;
          const count = (id: "items" | "notAcknowledged" | "notExecuted", label: string): Column<Row> => ({
            id,
            label,
            numeric: true,
            value: (r) => r[id],
            render: (r) => i18n.int(r[id]),
          });
          return (
            <>
              <DataTable<Row>
                id="overdue-by-carrier"
                caption={i18n.t("overdueTitle")}
                rows={[...byCarrier.values()]}
                rowKey={(r) => r.carrier}
                initialSort={{ column: "items", descending: true }}
                columns={[
                  { id: "carrier", label: i18n.t("colCarrier"), value: (r) => r.carrier },
                  count("items", i18n.t("colOverdueItems")),
                  count("notAcknowledged", i18n.t("colNotAcknowledged")),
                  count("notExecuted", i18n.t("colNotExecuted")),
                  { id: "orders", label: i18n.t("colOrders"), numeric: true, value: (r) => r.orders.size, render: (r) => i18n.int(r.orders.size) },
                ]}
              />
              {items.length > 0 && (
                <details className="chart-data">
                  <summary>{i18n.t("overdueItemsTitle")}</summary>
                  <DataTable id="overdue-items" caption={i18n.t("overdueItemsTitle")} columns={itemColumns(i18n)} rows={items} rowKey={(i) => `${i.order.id}:${i.number}`} />
                </details>
              )}
              <Truncated connection={shutdownOrders} />
            </>
          );
        }}
      />
    </Section>
  );
}

/** The count of overdue items, as a headline figure. */
export function OverdueFigure({ orders }: { orders: Orders }) {
  const i18n = useI18n();
  if (orders.status !== "done") return null;
  const overdue = itemsOf(orders.data.shutdownOrders.edges.map((e) => e.node)).filter((i) => i.overdue === true).length;
  return <Figure id="overdueItems" label={i18n.t("cardOverdue")} value={overdue} text={i18n.int(overdue)} tone={overdue > 0 ? "bad" : "good"} />;
}

const SLA_DAYS = 30;

/** Per carrier: median and 95th percentile of acknowledgement and execution times (shutdownPerformance). */
export function SlaPanel() {
  const i18n = useI18n();
  const range = useMemo(() => lastDays(SLA_DAYS), []);
  const performance = useQuery<{ shutdownPerformance: CarrierShutdownPerformance[] }>(SHUTDOWN_PERFORMANCE, range);
  const title = i18n.t("slaTitle", { days: SLA_DAYS });
  const seconds = (id: keyof CarrierShutdownPerformance & string, label: string): Column<CarrierShutdownPerformance> => ({
    id,
    label,
    numeric: true,
    value: (r) => r[id] as number | null,
    render: (r) => i18n.duration(r[id] as number | null),
  });
  const count = (id: "acknowledgedLate" | "executedLate", label: string): Column<CarrierShutdownPerformance> => ({
    id,
    label,
    numeric: true,
    value: (r) => r[id],
    render: (r) => i18n.int(r[id]),
  });
  return (
    <Section id="sla" title={title}>
      <Loaded
        query={performance}
        render={({ shutdownPerformance }) => (
          <DataTable
            id="sla"
            caption={title}
            rows={shutdownPerformance}
            rowKey={(r) => r.carrier.code}
            rowTone={(r) => (r.overdue > 0 ? "bad" : null)}
            columns={[
              { id: "carrier", label: i18n.t("colCarrier"), value: (r) => r.carrier.code },
              { id: "items", label: i18n.t("colItems"), numeric: true, value: (r) => r.items, render: (r) => i18n.int(r.items) },
              seconds("acknowledgeP50Seconds", i18n.t("colAckP50")),
              seconds("acknowledgeP95Seconds", i18n.t("colAckP95")),
              seconds("executeP50Seconds", i18n.t("colExecP50")),
              seconds("executeP95Seconds", i18n.t("colExecP95")),
              count("acknowledgedLate", i18n.t("colAckLate")),
              count("executedLate", i18n.t("colExecLate")),
              {
                id: "overdue",
                label: i18n.t("colOverdue"),
                numeric: true,
                value: (r) => r.overdue,
                render: (r) => (r.overdue > 0 ? <strong className="bad">⚠ {i18n.int(r.overdue)}</strong> : i18n.int(r.overdue)),
              },
            ]}
          />
        )}
      />
    </Section>
  );
}

/** Police: the orders it reads, every item against its deadlines, overdue first. */
export function PoliceOrdersPanel({ orders }: { orders: Orders }) {
  const i18n = useI18n();
  return (
    <Section id="orders" title={i18n.t("ordersTitle")}>
      <Loaded
        query={orders}
        render={({ shutdownOrders }) => (
          <>
            <DataTable
              id="orders"
              caption={i18n.t("ordersTitle")}
              columns={itemColumns(i18n)}
              rows={overdueFirst(itemsOf(shutdownOrders.edges.map((e) => e.node)))}
              rowKey={(i) => `${i.order.id}:${i.number}`}
              rowTone={(i) => (i.overdue ? "bad" : null)}
            />
            <Truncated connection={shutdownOrders} />
          </>
        )}
      />
    </Section>
  );
}

/** "4001234567, 400-123-4567\n400 123 4567": each piece between commas or lines is one number if it is ten digits. */
export function pastedNumbers(text: string): string[] {
  const pieces = text.split(/[\n\r,;，；、]+/).map((p) => p.trim()).filter(Boolean);
  return pieces.flatMap((piece) => (/^\d{10}$/.test(piece.replace(/[\s-]/g, "")) ? [piece] : piece.split(/\s+/)));
}

/** Police (or a regulator): issue an order from a pasted list; the numbers the registry lacks come back. */
export function IssuePanel() {
  const i18n = useI18n();
  const ids = { numbers: useId(), caseNumber: useId(), legalBasis: useId(), reason: useId(), note: useId() };
  const [numbers, setNumbers] = useState("");
  const [caseNumber, setCaseNumber] = useState("");
  const [legalBasis, setLegalBasis] = useState(() => i18n.t("defaultLegalBasis"));
  const [reason, setReason] = useState<string>("TELECOM_FRAUD");
  const [note, setNote] = useState("");
  const issue = useMutation<{ issueShutdownOrder: ShutdownOrder }>(ISSUE_SHUTDOWN_ORDER);
  const list = pastedNumbers(numbers);
  const count = new Set(list).size;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const issued = await issue.run({ input: { numbers: list, caseNumber, legalBasis, reason, note } });
    if (issued) setNumbers("");
  };
  const order = issue.result?.issueShutdownOrder;
  return (
    <Section id="issue" title={i18n.t("issueTitle")}>
      <form className="form" onSubmit={submit}>
        <p className="help" id={`${ids.numbers}-help`}>
          {i18n.t("issueHelp")}
        </p>
        <label htmlFor={ids.numbers}>{i18n.t("fieldNumbers")}</label>
        <textarea id={ids.numbers} name="numbers" rows={5} value={numbers} onChange={(e) => setNumbers(e.target.value)} aria-describedby={`${ids.numbers}-help`} required />
        <div className="form-row">
          <div>
            <label htmlFor={ids.caseNumber}>{i18n.t("fieldCase")}</label>
            <input id={ids.caseNumber} name="caseNumber" value={caseNumber} onChange={(e) => setCaseNumber(e.target.value)} required />
          </div>
          <div>
            <label htmlFor={ids.reason}>{i18n.t("fieldReason")}</label>
            <select id={ids.reason} name="reason" value={reason} onChange={(e) => setReason(e.target.value)}>
              {SHUTDOWN_REASONS.map((r) => (
                <option key={r} value={r}>
                  {i18n.label("reason", r)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label htmlFor={ids.legalBasis}>{i18n.t("fieldLegalBasis")}</label>
        <input id={ids.legalBasis} name="legalBasis" value={legalBasis} onChange={(e) => setLegalBasis(e.target.value)} required />
        <label htmlFor={ids.note}>{i18n.t("fieldNote")}</label>
        <input id={ids.note} name="note" value={note} onChange={(e) => setNote(e.target.value)} />
        <div>
          <button type="submit" className="danger" disabled={issue.busy || count === 0}>
            {issue.busy ? i18n.t("issuing") : i18n.t("issueButton", { n: i18n.int(count) })}
          </button>
        </div>
      </form>
      {issue.error && <ErrorNote error={issue.error} />}
      {order && (
        <div className="note note-ok" role="status" data-issued-order={order.id}>
          <p>{i18n.t("issued", { known: i18n.int(order.items.length) })}</p>
          {order.unknownNumbers.length > 0 ? (
            <>
              <p>
                <span aria-hidden="true">⚠ </span>
                {i18n.t("unknownNumbers", { n: i18n.int(order.unknownNumbers.length) })}
              </p>
              <ul className="unknown-numbers" data-unknown-numbers="">
                {order.unknownNumbers.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          ) : (
            <p>{i18n.t("noUnknownNumbers")}</p>
          )}
        </div>
      )}
    </Section>
  );
}

/** Carrier: one order waiting for it, with the buttons that move it on. */
function WaitingOrder({ order, announce }: { order: ShutdownOrder; announce(text: string): void }) {
  const i18n = useI18n();
  const headingId = useId();
  const acknowledge = useMutation<{ acknowledgeShutdown: ShutdownOrder }>(ACKNOWLEDGE_SHUTDOWN);
  const execute = useMutation<{ confirmShutdownExecuted: ShutdownOrder }>(CONFIRM_SHUTDOWN_EXECUTED);
  const items = itemsOf([order]);
  const notified = order.items.some((i) => i.state === "NOTIFIED");
  const overdue = order.items.some((i) => i.overdue === true);
  const busy = acknowledge.busy || execute.busy;
  return (
    <article className={`order${overdue ? " order-overdue" : ""}`} aria-labelledby={headingId} data-order={order.id}>
      <div className="order-head">
        <h3 id={headingId}>
          {i18n.t("order", { case: order.caseNumber })} · {i18n.label("reason", order.reason)}
          {overdue && <strong className="bad"> {i18n.t("overdueMark")}</strong>}
        </h3>
        <div className="order-actions">
          <button type="button" disabled={busy || !notified} onClick={async () => (await acknowledge.run({ orderId: order.id })) && announce(i18n.t("acknowledged", { case: order.caseNumber }))} aria-label={i18n.t("acknowledgeLabel", { case: order.caseNumber })} data-action="acknowledge">
            {acknowledge.busy ? i18n.t("working") : i18n.t("acknowledge")}
          </button>
          <button type="button" className="danger" disabled={busy} onClick={async () => (await execute.run({ orderId: order.id })) && announce(i18n.t("executedDone", { case: order.caseNumber }))} aria-label={i18n.t("confirmExecutedLabel", { case: order.caseNumber })} data-action="execute">
            {execute.busy ? i18n.t("working") : i18n.t("confirmExecuted")}
          </button>
        </div>
      </div>
      <p className="order-meta">
        {i18n.t("colIssuedAt")}: {i18n.time(order.issuedAt)} · {i18n.t("ackDeadline", { time: i18n.time(order.acknowledgementDeadline) })} ·{" "}
        {i18n.t("execDeadline", { time: i18n.time(order.executionDeadline) })}
      </p>
      {acknowledge.error && <ErrorNote error={acknowledge.error} />}
      {execute.error && <ErrorNote error={execute.error} />}
      <DataTable
        id={`order-${order.id}`}
        caption={i18n.t("order", { case: order.caseNumber })}
        columns={itemColumns(i18n).filter((c) => !["caseNumber", "reason", "issuedAt", "status"].includes(c.id))}
        rows={overdueFirst(items)}
        rowKey={(i) => i.number}
        rowTone={(i) => (i.overdue ? "bad" : null)}
      />
    </article>
  );
}

/** Carrier: the orders in effect with an item of its own not yet executed, overdue first. */
export function CarrierOrdersPanel({ orders }: { orders: Orders }) {
  const i18n = useI18n();
  const [done, setDone] = useState<string | null>(null);
  return (
    <Section id="waiting" title={i18n.t("carrierTitle")}>
      <p className="help">{i18n.t("carrierHelp")}</p>
      <p role="status" className="announce" data-announce="">
        {done}
      </p>
      <Loaded
        query={orders}
        render={({ shutdownOrders }) => {
          const waiting = shutdownOrders.edges
            .map((e) => e.node)
            .filter((o) => o.status === "IN_EFFECT" && o.items.some((i) => i.state !== "EXECUTED"))
            .sort((a, b) => Number(b.items.some((i) => i.overdue)) - Number(a.items.some((i) => i.overdue)));
          if (waiting.length === 0) return <Empty>{i18n.t("waitingNone")}</Empty>;
          return (
            <div className="orders" data-waiting-orders={waiting.length}>
              {waiting.map((order) => (
                <WaitingOrder key={order.id} order={order} announce={setDone} />
              ))}
            </div>
          );
        }}
      />
    </Section>
  );
}
