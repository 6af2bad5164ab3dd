const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id argument can be a row's id at all (a malformed one finds nothing, without asking the database). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
