import * as E from "fp-ts/lib/Either.js";
import { type PlugdepsError, usageError } from "../model/errors.js";

/**
 * Nothing plugdeps or its package manager writes may be group- or world-writable (the CLI ORs 022
 * into its umask at start, src/cli/main.ts; issue "hostile stage base", item 13). A library caller
 * runs in its own process with its own umask: the commands that write (apply, doctor with fix) OR
 * 022 into it while they run and put it back when the last of them ends. In a worker thread,
 * where the umask cannot be set, a umask lacking 022 is refused instead.
 */
const STRICT = 0o022;
let active = 0;
let saved: number | null = null;

export const withStrictUmask = async <A>(
  what: string,
  run: () => Promise<E.Either<PlugdepsError, A>>,
): Promise<E.Either<PlugdepsError, A>> => {
  if (active === 0) {
    const current = process.umask();
    if ((current & STRICT) !== STRICT) {
      try {
        process.umask(current | STRICT);
        saved = current;
      } catch {
        return E.left(
          usageError(
            `${what}: the umask ${current.toString(8).padStart(3, "0")} would leave what it writes writable by others, and this thread cannot change it (a worker thread). Fix: run it where the umask includes 022, or run the plugdeps CLI`,
          ),
        );
      }
    }
  }
  active++;
  try {
    return await run();
  } finally {
    active--;
    if (active === 0 && saved !== null) {
      process.umask(saved);
      saved = null;
    }
  }
};
