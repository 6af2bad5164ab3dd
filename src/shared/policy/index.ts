export { SqlParams } from "./sql";
export * from "./visibility";
