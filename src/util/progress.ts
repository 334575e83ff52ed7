/**
 * A progress line as apply, rollback and doctor --fix report it: the human sentence, and the same
 * step as data for `--log-format json` (docs/log-events.md, event `apply.step`). `step` names what
 * happened (`install`, `reuse`, `swap`, ...); the other fields are that step's facts (packages,
 * set, paths, counts). A step named `warning` is a warning, not progress.
 */
export interface StepFields {
  readonly step: string;
  readonly [field: string]: unknown;
}

export type Progress = (line: string, fields?: StepFields) => void;
