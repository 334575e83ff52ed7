import { makeOutput, type Output } from "../render/output.js";

/**
 * The loop's log: one line per event, in the shape every command prints (render/output.ts,
 * docs/log-events.md). Text lines start with an ISO timestamp (kubectl logs and plain files have
 * none of their own); `--log-format json` gives one JSON object per line, `{time, level, event,
 * msg, ...fields}`. Progress of a pass (what apply prints) is `debug`, the pass's line
 * (`reconcile.pass`) its result, failures `warn`; `--quiet` keeps the pass lines, warnings and
 * errors.
 */
export type { Level } from "../render/output.js";

export type Logger = Pick<Output, "event" | "warn" | "result" | "progress" | "lockWait">;

/** The loop's logger alone (the CLI passes its own Output, which is one). */
export const makeLogger = (options: {
  readonly format: "text" | "json";
  readonly quiet: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => Date;
}): Logger =>
  makeOutput({
    io: { stdout: options.stdout, stderr: options.stderr, isTTY: false, env: {} },
    format: options.format,
    quiet: options.quiet,
    timestamps: true,
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
