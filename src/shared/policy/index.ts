export { SqlParams } from "./sql";
export * from "./visibility";
export * from "./parties";
