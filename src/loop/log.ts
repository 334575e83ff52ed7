/**
 * The loop's log: one line per event. Text lines start with an ISO timestamp (kubectl logs and
 * plain files have none of their own); `--log-format json` gives one JSON object per line for log
 * pipelines. Progress of a pass (what apply prints) is `debug`, pass results `info`, failures
 * `warn`; `--quiet` keeps warnings and errors only.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  readonly log: (level: Level, message: string, fields?: Readonly<Record<string, unknown>>) => void;
}

export const makeLogger = (options: {
  readonly format: "text" | "json";
  readonly quiet: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => Date;
}): Logger => {
  const now = options.now ?? (() => new Date());
  return {
    log: (level, message, fields = {}) => {
      if (options.quiet && (level === "debug" || level === "info")) return;
      const write = level === "warn" || level === "error" ? options.stderr : options.stdout;
      const time = now().toISOString();
      if (options.format === "json") {
        write(`${JSON.stringify({ time, level, msg: message, ...fields })}\n`);
        return;
      }
      const prefix = level === "warn" ? "warning: " : level === "error" ? "error: " : "";
      write(`${time} ${prefix}${message}\n`);
    },
  };
};
