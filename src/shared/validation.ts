import { ValidateBy } from "class-validator";

/**
 * A string whose trimmed length is within bounds (the service stores it trimmed), counted in characters as
 * PostgreSQL's length() counts them (the table's CHECK): an emoji is one character, not two UTF-16 units.
 */
export const TrimmedLength = (min: number, max: number, message: string) =>
  ValidateBy({
    name: "trimmedLength",
    validator: {
      validate: (value) => {
        if (typeof value !== "string") return false;
        const characters = [...value.trim()].length;
        return characters >= min && characters <= max;
      },
      defaultMessage: () => message,
    },
  });

/** Text that names something: at least one letter or digit (not only spaces, marks or invisible characters). */
export const Naming = (message: string) =>
  ValidateBy({
    name: "naming",
    validator: {
      validate: (value) => typeof value === "string" && /[\p{L}\p{N}]/u.test(value) && !/[\p{Cf}\p{Cc}\u2028\u2029]/u.test(value),
      defaultMessage: () => message,
    },
  });
