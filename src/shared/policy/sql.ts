/**
 * Collects a statement's parameters and names their placeholders, so no SQL in the registry numbers
 * `$1`, `$2` by hand: `const p = new SqlParams(); sql = \`... WHERE n.number = ${p.add(number)}\``.
 */
export class SqlParams {
  readonly values: unknown[];

  constructor(initial: readonly unknown[] = []) {
    this.values = [...initial];
  }

  /** The placeholder of one more parameter. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A copy holding the parameters so far (say, for a count without the page's cursor). */
  clone(): SqlParams {
    return new SqlParams(this.values);
  }
}
