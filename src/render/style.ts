/**
 * Terminal styling for the human renderers. Whether color is on is the caller's decision (TTY, no
 * `--no-color`, no `NO_COLOR`): renderers stay pure and their golden output is the color-off form.
 */

export type Paint = (text: string) => string;

export interface Style {
  readonly color: boolean;
  readonly green: Paint;
  readonly yellow: Paint;
  readonly red: Paint;
  readonly bold: Paint;
  readonly dim: Paint;
  readonly cyan: Paint;
}

// Each paint closes with its own reset code (not the full reset `0`), so paints nest:
// bold(green("x")) keeps the bold after the green ends.
const sgr =
  (open: number, close: number): Paint =>
  (text) =>
    text === "" ? text : `\u001b[${open}m${text}\u001b[${close}m`;

const identity: Paint = (text) => text;

export const makeStyle = ({ color }: { readonly color: boolean }): Style =>
  color
    ? {
        color,
        green: sgr(32, 39),
        yellow: sgr(33, 39),
        red: sgr(31, 39),
        bold: sgr(1, 22),
        dim: sgr(2, 22),
        cyan: sgr(36, 39),
      }
    : {
        color,
        green: identity,
        yellow: identity,
        red: identity,
        bold: identity,
        dim: identity,
        cyan: identity,
      };

/** The plain style: what pipes, CI logs and golden files get. */
export const plainStyle: Style = makeStyle({ color: false });

/**
 * The usual decision, as a pure function of what the caller read from its process, strongest
 * first: never with `--no-color`; never when `NO_COLOR` is set to a non-empty value
 * (no-color.org); always when `FORCE_COLOR` is set to anything but "", "0" or "false" (a CI log
 * viewer that renders escapes, as Node and chalk read it); otherwise only on a TTY.
 */
export const wantsColor = (input: {
  readonly isTTY: boolean;
  readonly noColorFlag: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}): boolean => {
  if (input.noColorFlag || (input.env["NO_COLOR"] ?? "") !== "") return false;
  const force = input.env["FORCE_COLOR"];
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  return input.isTTY;
};
