import { randomBytes } from "node:crypto";

/**
 * A new stage / generation / aside id: a 9-character base-36 timestamp and 6 hex digits, so ids
 * sort by creation time and two runs in the same millisecond still differ. observe/leftovers.ts
 * matches exactly this shape when it looks for what an interrupted run left.
 */
export const newId = (): string =>
  `${Date.now().toString(36).padStart(9, "0")}${randomBytes(3).toString("hex")}`;
