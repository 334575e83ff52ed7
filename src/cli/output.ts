import type { Debris } from "../model/plan.js";
import { readOnlyDebrisWarnings } from "../render/observed.js";
import type { Fields, Output } from "../render/output.js";
import { plainStyle, type Style } from "../render/style.js";
import { forTerminal } from "../render/text.js";

/**
 * What several commands print the same way, through their Output (render/output.ts): the
 * warnings about debris plugdeps cannot remove, and the result of a command whose answer is a
 * rendering (plan, show, status, doctor, resolve).
 */

/**
 * A `warning` per piece of debris under a read-only path: never an action, so reported on every
 * run with the command that removes it from outside the sandbox.
 */
export const debrisWarnings = (out: Output, debris: readonly Debris[]): void => {
  for (const d of debris.filter((x) => !x.writable))
    out.warn(
      `legacy debris under a read-only path: ${d.path}; clear it from outside the sandbox: ${d.fix}`,
      { path: d.path, fix: d.fix },
      readOnlyDebrisWarnings(forTerminal([d]), out.style).join("\n"),
    );
};

/**
 * A rendering command's result: the rendering in text, the document alone with `--json`, one
 * `<command>.result` line carrying the document with `--log-format json`. Its `msg` is the verdict
 * the rendering ends with (plan, status, doctor), or the line given.
 */
export const reportResult = (
  out: Output,
  command: string,
  r: {
    readonly document: string;
    readonly render: (style: Style) => string;
    readonly msg?: string;
    readonly fields?: Fields;
  },
): void =>
  out.result(`${command}.result`, {
    msg: r.msg ?? lastLine(r.render(plainStyle)),
    text: r.render,
    document: r.document,
    ...(r.fields !== undefined ? { fields: r.fields } : {}),
  });

const lastLine = (text: string): string => text.trimEnd().split("\n").at(-1) ?? "";
