import { ReactNode, useMemo, useState } from "react";
import { CsvValue, downloadCsv, toCsv } from "./csv";
import { useI18n } from "./i18n";
import { Empty } from "./ui";

export interface Column<R> {
  id: string;
  label: string;
  /** The API's value: what the column sorts by, what the CSV holds, and the cell's data-value. */
  value(row: R): CsvValue;
  /** What the cell shows; the value as text when omitted. */
  render?(row: R): ReactNode;
  numeric?: boolean;
  sortable?: boolean;
  /** Long text (names, legal bases) that wraps; other cells keep to one line. */
  wrap?: boolean;
}

type Sort = { column: string; descending: boolean } | null;

const compare = (a: CsvValue, b: CsvValue): number => {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "zh-CN", { numeric: true });
};

/**
 * A table of API rows: sortable by any column (headers are buttons; aria-sort says the order), and
 * exported to CSV as shown, in the order shown, with the API's values rather than the formatted text.
 */
export function DataTable<R>({ id, caption, columns, rows, rowKey, initialSort = null, rowTone, emptyText }: {
  id: string;
  caption: string;
  columns: Column<R>[];
  rows: R[];
  rowKey(row: R): string;
  initialSort?: Sort;
  /** "bad" marks a row that needs attention (overdue, behind); the cells also say so in words. */
  rowTone?(row: R): "bad" | null;
  emptyText?: string;
}) {
  const i18n = useI18n();
  const [sort, setSort] = useState<Sort>(initialSort);
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.id === sort?.column);
    if (!sort || !column) return rows;
    return [...rows].sort((x, y) => {
      const [a, b] = [column.value(x), column.value(y)];
      // Empty values last, whichever the direction.
      if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
      return sort.descending ? compare(b, a) : compare(a, b);
    });
  }, [rows, columns, sort]);

  const toggle = (column: string) =>
    setSort((current) => (current?.column === column ? { column, descending: !current.descending } : { column, descending: true }));

  const exportCsv = () => {
    const csv = toCsv(columns.map((c) => c.label), sorted.map((row) => columns.map((c) => c.value(row))));
    const day = new Date().toISOString().slice(0, 10);
    downloadCsv(`${id}-${day}.csv`, csv);
  };

  if (rows.length === 0) {
    return (
      <div className="table-block" data-table-empty={id}>
        <Empty>{emptyText}</Empty>
      </div>
    );
  }
  return (
    <div className="table-block">
      <div className="table-tools">
        <span className="table-count">{i18n.t("rowsShown", { count: i18n.int(rows.length) })}</span>
        <button type="button" className="secondary" onClick={exportCsv} aria-label={i18n.t("exportCsvLabel", { table: caption })} data-export={id}>
          <span aria-hidden="true">⤓ </span>
          {i18n.t("exportCsv")}
        </button>
      </div>
      <div className="table-scroll">
        <table data-table={id}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {columns.map((column) => {
                const active = sort?.column === column.id;
                const ariaSort = active ? (sort!.descending ? "descending" : "ascending") : column.sortable === false ? undefined : "none";
                return (
                  <th key={column.id} scope="col" aria-sort={ariaSort} className={column.numeric ? "numeric" : undefined} data-col={column.id}>
                    {column.sortable === false ? (
                      column.label
                    ) : (
                      <button type="button" className="sort" onClick={() => toggle(column.id)} title={i18n.t("sortBy", { column: column.label })}>
                        {column.label}
                        <span aria-hidden="true" className="sort-mark">
                          {active ? (sort!.descending ? "▼" : "▲") : "↕"}
                        </span>
                      </button>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <tr key={rowKey(row)} data-key={rowKey(row)} className={rowTone?.(row) === "bad" ? "row-bad" : undefined}>
                {columns.map((column, index) => {
                  const value = column.value(row);
                  const content = column.render ? column.render(row) : value === null ? "—" : String(value);
                  const className = [column.numeric && "numeric", column.wrap && "wrap"].filter(Boolean).join(" ") || undefined;
                  const props = { "data-col": column.id, "data-value": value === null ? "" : String(value), className };
                  return index === 0 ? (
                    <th key={column.id} scope="row" {...props}>
                      {content}
                    </th>
                  ) : (
                    <td key={column.id} {...props}>
                      {content}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
