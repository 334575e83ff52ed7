import type { Command } from "commander";

/**
 * The example every `--help` ends with (issue 16, item 8), keyed by command name. One place, so a
 * new command without one is caught by test/unit/cli-help.test.ts, and every example's options
 * are checked there against the command's own.
 *
 * Each line is `$ plugdeps ...` optionally followed by `  # what it does`.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  plugdeps: [
    "$ plugdeps plan                  # what apply would do on this host (writes nothing)",
    "$ sudo plugdeps apply            # converge it",
    "$ sudo plugdeps apply --log-format json   # every line one JSON object with an event name (docs/log-events.md)",
  ],
  plan: [
    "$ plugdeps plan --detailed-exitcode          # exit 2 when apply has work to do",
    "$ plugdeps plan --out /tmp/deps.plan         # then: sudo plugdeps apply /tmp/deps.plan",
  ],
  apply: [
    "$ sudo plugdeps apply                       # plan and converge in one go",
    "$ sudo plugdeps apply /tmp/deps.plan        # exactly a saved plan (refused if stale)",
    "$ sudo plugdeps apply --quiet               # only the result line, warnings and errors (cron, CI)",
  ],
  status: [
    "$ plugdeps status --json",
    "$ plugdeps status --verify          # check every package on disk; exit 1 naming the drifted ones",
  ],
  show: [
    "$ plugdeps show /tmp/deps.plan            # a saved plan, as plan printed it",
    "$ plugdeps show /tmp/deps.plan --json     # its document",
    "$ plugdeps show /tmp/deps.plan --log-format json   # one show.result line carrying that document",
  ],
  rollback: ["$ sudo plugdeps rollback            # the previous generation live again (validated first)"],
  units: [
    "$ plugdeps units --user-name svc                 # review: service, timer, the host unit's drop-in",
    "$ sudo plugdeps units --user-name svc --config /etc/host/config.json --out /etc/systemd/system",
  ],
  resolve: ["$ plugdeps resolve --plugin slack @slack/web-api"],
  doctor: ["$ plugdeps doctor                 # findings, each with its fix", "$ sudo plugdeps doctor --fix"],
  reconcile: [
    "$ plugdeps reconcile --every 15m --metrics-port 9464   # a long-running controller",
    "$ plugdeps reconcile --once                            # one pass, for a job or an init container",
  ],
  completion: [
    "$ source <(plugdeps completion bash)                            # this shell",
    '$ plugdeps completion zsh > "${fpath[1]}/_plugdeps"             # every zsh (then compinit)',
  ],
};

/** Appends `Example:` (or `Examples:`) to the help of the program and of each of its commands. */
export const addHelpExamples = (program: Command): void => {
  for (const cmd of [program, ...program.commands]) {
    const lines = HELP_EXAMPLES[cmd.name()];
    if (lines === undefined) continue; // the unit test names the command that has none
    cmd.addHelpText(
      "after",
      `\n${lines.length === 1 ? "Example" : "Examples"}:\n${lines.map((l) => `  ${l}`).join("\n")}\n`,
    );
  }
};
