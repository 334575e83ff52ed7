import type { Journal } from "./reads.js";

/** How a command talks to the world: exit codes and the injected output (so tests run commands in-process). */

/** Exit codes (SPEC §2). */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_CHANGES = 2;

export type LogFormat = "text" | "json";

/** Where a command writes; injected so tests can run commands in-process. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /**
   * The no-op stamp's hooks (fastpath/record.ts), called with the stage base. `onReplayable`: what
   * this run printed is a function of what it observed (an `apply` no-op decided from
   * observation alone). `onApplied`: an apply that changed things.
   */
  readonly onReplayable?: (stageBase: string, reads: Journal | null) => void;
  readonly onApplied?: (stageBase: string) => void;
  /**
   * Where SIGTERM/SIGINT arrive (`process` in main.ts). A command that changes things (apply,
   * doctor --fix) stops cleanly on the first one (cli/interrupt.ts); without it (tests running
   * commands in-process) signals are not handled.
   */
  readonly signals?: Pick<NodeJS.Process, "on" | "off">;
  /** Ends the process at once (a second signal); `process.exit` in main.ts. */
  readonly exit?: (code: number) => void;
}
