import * as E from "fp-ts/lib/Either.js";
import { runDoctor } from "../doctor/doctor.js";
import type { PlugdepsError } from "../model/errors.js";
import type { DoctorReport } from "../model/doctor.js";
import { DEFAULT_LOCK_TIMEOUT, type DoctorCommandOptions, durationOf, runOptionsOf } from "./options.js";
import { withStrictUmask } from "./umask.js";

/**
 * `plugdeps doctor [--fix]`: the report, findings with severity and fix. A failure to observe the
 * host is itself a finding, so the only errors are the options' own (a duration that is not one).
 * With `fix`, under a umask that includes 022 (it may run apply).
 */
export const runDoctorCommand = async (
  opts: DoctorCommandOptions & {
    readonly names?: { readonly lockTimeout: string; readonly installTimeout: string };
  },
): Promise<E.Either<PlugdepsError, DoctorReport>> => {
  const names = opts.names ?? { lockTimeout: "lockTimeout", installTimeout: "installTimeout" };
  const lockTimeout = durationOf(names.lockTimeout, opts.lockTimeout ?? DEFAULT_LOCK_TIMEOUT, "non-negative");
  if (E.isLeft(lockTimeout)) return lockTimeout;
  const installTimeout = durationOf(names.installTimeout, opts.installTimeout, "positive");
  if (E.isLeft(installTimeout)) return installTimeout;
  const { probe: _probe, ...run } = runOptionsOf(opts, "access");
  const go = async () =>
    E.right(
      await runDoctor({
        ...run,
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
        fix: opts.fix === true,
        hostCheck: opts.hostCheck ?? true,
        packageManager: opts.packageManager ?? "auto",
        lockTimeoutMs: lockTimeout.right ?? 0,
        installTimeoutMs: installTimeout.right,
      }),
    );
  return opts.fix === true ? withStrictUmask("doctor --fix", go) : go();
};
