export type CsvValue = string | number | boolean | null;

/**
 * RFC 4180: CRLF between records, a field quoted when it holds a comma, a quote, CR or LF (quotes
 * doubled). Text that a spreadsheet would take for a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe; numbers are written as numbers, so a negative gap stays a number.
 */
export function toCsv(header: string[], rows: CsvValue[][]): string {
  const field = (value: CsvValue): string => {
    if (value === null) return "";
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
    let text = String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

/** Saves a CSV from the page: UTF-8 with a byte-order mark, so Excel opens Chinese text correctly. */
export function downloadCsv(filename: string, csv: string): void {
  const blob = new Blob(["\uFEFF", csv], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
