const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id argument can be a row's id at all (a malformed one finds nothing, without asking the database). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** An organisation's code: 2-32 capital letters, digits or '-', starting with a letter or digit. */
export const ORGANIZATION_CODE = /^[A-Z0-9][A-Z0-9-]{1,31}$/;
