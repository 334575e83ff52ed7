import { afterAll } from "vitest";
import { removeTempDirs } from "./temp.js";

// Setup file of every project: after each test file, remove every temp dir it made with tempDir()
// (test/support/temp.ts). Registered before the file's own hooks, so it runs after them
// (vitest runs after-hooks in reverse): a file's afterAll still sees its dirs.
afterAll(removeTempDirs);
