import { MODULES } from "../app/modules";

export const ENTITIES = MODULES.flatMap((m) => [...m.entities]);
