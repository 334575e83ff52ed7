import * as path from "node:path";
import type { PlugdepsError } from "../model/errors.js";
import {
  type Action,
  type Debris,
  isRuntimeAction,
  type LeftoverJson,
  type LockHolder,
  type PlanDocument,
  type Unmanaged,
} from "../model/plan.js";
import { describeLock } from "../model/lock-description.js";
import { timeSpan } from "../units/systemd-syntax.js";
import { type Finding, sortFindings } from "../model/doctor.js";
import { statusStaleness } from "../model/status.js";
import type { StatusFacts } from "./status-facts.js";
import { isRetentionKind } from "../render/observed.js";
import {
  CACHE_MAX_AGE_MS,
  DISK_USE_INFO_BYTES,
  type DiskUse,
  formatBytes,
  LOG_KEEP_COUNT,
  LOG_MAX_AGE_MS,
} from "../model/disk-use.js";

/**
 * What doctor finds, as a pure function of one observation: the plan (the same read-only code
 * path as `plugdeps plan`) plus the few facts the plan document leaves out. Each check is one
 * small function; the comment on it says why the finding matters.
 */

export interface DoctorFacts {
  readonly plan: PlanDocument;
  /** The converged root: owned, absent, or present but not ours (with the reason). */
  readonly current:
    | { readonly state: "owned"; readonly recordFingerprint: string }
    | { readonly state: "absent" }
    | {
        readonly state: "not-owned";
        readonly reason: string;
        /** Someone else could have written it (issue 17): the entry that says so, and its owner. */
        readonly foreign?: { readonly path: string; readonly uid: number };
      };
  /** Packages that must live in the root (no read-only layer satisfies them). */
  readonly rootPackages: number;
  /** Locks beside the current root and beside previous roots, with the root they guard. */
  readonly locks: readonly { readonly root: string; readonly lock: LockHolder }[];
  /** From `<stage base>/.plugdeps/status.json`, when it exists and makes sense. */
  readonly status: StatusFacts | null;
  /** The timer unit that would run the passes, for the stale-status fix text. */
  readonly host: string;
  readonly now: number;
}

const APPLY = "plugdeps apply (or plugdeps doctor --fix)";

export const findingsFrom = (facts: DoctorFacts): Finding[] =>
  sortFindings([
    ...materialization(facts),
    ...hostRoot(facts.plan),
    ...staleRoots(facts.plan),
    ...staleLocks(facts),
    ...facts.plan.observed.debris.map(debrisFinding),
    ...(facts.plan.observed.unmanaged ?? []).map(unmanagedFinding),
    // The target root's dead lock is already the stale-lock finding.
    ...(facts.plan.observed.leftovers ?? [])
      .filter((l) => l.path !== facts.plan.observed.lock?.path)
      .map(leftoverFinding),
    ...invalidPlugins(facts.plan),
    ...rejectedSpecs(facts.plan),
    ...staleStatus(facts),
    ...conflicts(facts.plan),
    ...notes(facts),
  ]);

// ---------------------------------------------------------------------------------------------
// The materialization: what plugins import at run time.

const names = (actions: readonly Action[], type: Action["type"]): string[] =>
  actions
    .filter((a) => a.type === type)
    .flatMap((a) => a.packages.filter((p) => p.spec !== null).map((p) => p.name));

const listed = (items: readonly string[], max = 6): string =>
  items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;

/**
 * A missing, foreign or incomplete root is the failure operators actually see: plugins die with
 * `Cannot find module` (openclaw #69923) while the host looks healthy (openclaw #71812).
 */
const materialization = (facts: DoctorFacts): Finding[] => {
  const { plan, current } = facts;
  const target = plan.desired.targetRoot;
  const base = path.basename(target);
  if (current.state === "not-owned" && current.foreign !== undefined) {
    // Planted (issue 17): the host must never import it, and apply never keeps it live. Apply
    // builds an owned root in its place but leaves the planted files to their owner.
    return [
      {
        id: "materialization-foreign",
        severity: "error",
        title: `the dependency root ${base} is foreign: someone other than root or this user could have written it`,
        subject: current.foreign.path,
        detail:
          `${current.reason}. The register hook resolves nothing from it and apply never keeps it live: ` +
          "apply builds an owned generation and makes it live in its place, leaving the foreign files where they are.",
        fix:
          `remove ${current.foreign.path} (keep a copy if someone needs it; it may be an attack), make the stage ` +
          `base ${path.dirname(target)} writable only by root or the user plugdeps runs as (docs/security.md), then run ${APPLY}`,
        fixable: true,
      },
    ];
  }
  if (current.state === "not-owned") {
    return [
      {
        id: "materialization-not-owned",
        severity: "error",
        title: `the dependency root ${base} exists but is not owned by plugdeps`,
        subject: target,
        detail: `${current.reason}. Plugins cannot rely on it; apply moves it aside (never deletes it) and builds an owned root.`,
        fix: APPLY,
        fixable: true,
      },
    ];
  }
  if (current.state === "absent") {
    if (facts.rootPackages === 0) return [];
    return [
      {
        id: "materialization-missing",
        severity: "error",
        title: `the dependency root ${base} does not exist`,
        subject: target,
        detail:
          `${facts.rootPackages} package${facts.rootPackages === 1 ? "" : "s"} of the active plugins must be materialized in ${target}; ` +
          "until then the plugins that import them fail with `Cannot find module`.",
        fix: APPLY,
        fixable: true,
      },
    ];
  }
  const runtime = plan.actions.filter(isRuntimeAction);
  const missing = [...names(runtime, "install"), ...names(runtime, "reuse")];
  if (missing.length > 0) {
    return [
      {
        id: "materialization-incomplete",
        severity: "error",
        title: `the dependency root ${base} lacks ${missing.length} package${missing.length === 1 ? "" : "s"} the active plugins need`,
        subject: target,
        detail: `missing or not satisfying their specs: ${listed(missing)}.`,
        fix: APPLY,
        fixable: true,
      },
    ];
  }
  const extraneous = runtime
    .filter((a) => a.type === "prune-package")
    .flatMap((a) => a.packages.map((p) => p.name));
  if (extraneous.length > 0) {
    return [
      {
        id: "materialization-extraneous",
        severity: "warning",
        title: `the dependency root ${base} holds ${extraneous.length} package${extraneous.length === 1 ? "" : "s"} no active plugin wants`,
        subject: target,
        detail: `no longer wanted: ${listed(extraneous)}.`,
        fix: APPLY,
        fixable: true,
      },
    ];
  }
  if (current.recordFingerprint !== plan.desired.fingerprint) {
    // The packages are right but the record the resolution hook reads describes another plan
    // (e.g. a plugin was enabled whose dependencies the host already ships).
    return [
      {
        id: "materialization-record-outdated",
        severity: "warning",
        title: `the record of ${base} describes an earlier plugin plan`,
        subject: target,
        detail: `recorded plan ${current.recordFingerprint}, current plan ${plan.desired.fingerprint}; the resolution hook reads that record.`,
        fix: APPLY,
        fixable: true,
      },
    ];
  }
  return [];
};

/** One root per host version grew to 4.5 GB (openclaw #75301): roots beyond retention go. */
/**
 * The root the host itself reads (OpenClaw 2026.4.22 – 4.30): not in place, the unmodified host
 * installs everything again at startup, whatever plugdeps' own root holds (issue 14).
 */
const hostRoot = (plan: PlanDocument): Finding[] => {
  const root = plan.observed.hostRoot;
  if (root === undefined || root.problems.length === 0) return [];
  return [
    {
      id: "host-root-not-in-place",
      severity: "error",
      title: `the root the host reads is not in place: ${root.problems.join("; ")}`,
      subject: root.path,
      detail: `${root.why}. Until ${root.path} is a directory whose node_modules links to ${root.linksTo}, the host starts its own package manager at startup.`,
      fix: APPLY,
      fixable: true,
    },
  ];
};

const staleRoots = (plan: PlanDocument): Finding[] =>
  plan.actions
    .filter((a) => a.type === "prune-root")
    .flatMap((a): Finding[] => {
      const root = a.targets[0];
      if (root === undefined) return [];
      return [
        {
          id: "stale-root",
          severity: "warning",
          title: `previous root ${path.basename(root)} is beyond the retention count`,
          subject: root,
          detail: a.reason,
          fix: APPLY,
          fixable: true,
        },
      ];
    });

/**
 * A lock whose holder is gone blocks nothing for long (apply reclaims it on contact), but it
 * says a writer died mid-run; a lock beside a previous root is only touched when that root is
 * pruned, so doctor clears it. Live holders are reported for information and never touched.
 */
const staleLocks = (facts: DoctorFacts): Finding[] =>
  facts.locks.flatMap(({ root, lock }): Finding[] => {
    const text = `held by ${describeLock(lock).oneLine}`;
    if (lock.state === "stale") {
      return [
        {
          id: "stale-lock",
          severity: "warning",
          title: `stale install-root lock beside ${path.basename(root)}`,
          subject: lock.path,
          detail: `${text}. The writer that took it is gone (openclaw #74346: a recycled pid must not keep a lock alive).`,
          fix: "plugdeps doctor --fix (reclaims it through the install-root lock, as apply does)",
          fixable: true,
        },
      ];
    }
    return [
      {
        id: lock.state === "live" ? "lock-held" : "lock-undecided",
        severity: "info",
        title:
          lock.state === "live"
            ? `${path.basename(root)} is being written right now`
            : `lock beside ${path.basename(root)} has no usable owner record yet`,
        subject: lock.path,
        detail: text,
        fix:
          lock.state === "live"
            ? "nothing to do: wait for the writer to finish"
            : "nothing to do now: it is reclaimed by age if its holder does not come back",
        fixable: false,
      },
    ];
  });

/**
 * Legacy debris (SPEC §5). Writable debris is cleaned by apply; debris under a read-only path
 * (ProtectSystem=strict) can only be removed from outside the sandbox, with the exact command.
 * A dangling global symlink into an old stage tree breaks ESM imports of that name (openclaw #76466).
 */
export const debrisFinding = (d: Debris): Finding => {
  const kind =
    d.rule === "dangling-global-symlink"
      ? {
          id: "dangling-global-symlink",
          title: "dangling symlink in the global node_modules into an old stage tree",
        }
      : d.rule.endsWith("-lock")
        ? { id: "stale-legacy-lock", title: "stale lock of the host's older dependency staging" }
        : { id: "legacy-debris", title: `legacy debris (${d.rule})` };
  return {
    id: kind.id,
    severity: "warning",
    title: `${kind.title}: ${d.path}`,
    subject: d.path,
    detail: d.writable
      ? "left by the host's older dependency staging; matched by exact name."
      : "left by the host's older dependency staging, under a path that is read-only here; remove it from outside the sandbox.",
    fix: d.writable ? "plugdeps doctor --fix (or plugdeps apply)" : d.fix,
    fixable: d.writable,
  };
};

/**
 * What plugdeps found and leaves alone (issue 12: never harm what the host made): the host's own
 * roots, roots the host itself still keeps, names the host never produces. Information only,
 * except a dangling global symlink (openclaw #76466), which breaks imports and which nothing
 * removes automatically: a warning with the command.
 */
export const unmanagedFinding = (u: Unmanaged): Finding =>
  u.kind === "dangling-global-symlink"
    ? {
        id: "dangling-global-symlink",
        severity: "warning",
        title: `dangling symlink in the global node_modules into an old stage tree: ${u.path}`,
        subject: u.path,
        detail: u.why,
        fix: u.fix ?? "remove the symlink",
        fixable: false,
      }
    : {
        id: "unmanaged",
        severity: "info",
        title: `left alone (${u.kind}): ${u.path}`,
        subject: u.path,
        detail: u.why,
        fix:
          u.fix ??
          "nothing to do: plugdeps leaves it alone (remove it yourself only if it is yours and unused)",
        fixable: false,
      };

/**
 * Disk use (issue 16 item 5: operators of this host report disk bloat from staged dependencies):
 * information when the generations, cache and logs of the stage base together pass
 * DISK_USE_INFO_BYTES, with the biggest parts and what bounds them.
 */
export const diskUseFinding = (use: DiskUse): Finding | null => {
  if (use.totalBytes <= DISK_USE_INFO_BYTES) return null;
  const parts = [
    ...use.roots.flatMap((r) =>
      r.generations.map((g) => ({
        what: `${g.name}${g.live ? " (live)" : g.previous ? " (previous)" : ""}`,
        bytes: g.exclusiveBytes,
      })),
    ),
    ...(use.cache === null ? [] : [{ what: ".plugdeps/cache", bytes: use.cache.bytes }]),
    ...(use.logs === null ? [] : [{ what: ".plugdeps/logs", bytes: use.logs.bytes }]),
  ].sort((a, b) => b.bytes - a.bytes);
  return {
    id: "stage-disk-use",
    severity: "info",
    title: `the stage base uses ${formatBytes(use.totalBytes)} (more than ${formatBytes(DISK_USE_INFO_BYTES)})`,
    subject: use.stageBase,
    detail:
      `largest parts (bytes only they hold): ${parts
        .slice(0, 5)
        .map((p) => `${p.what} ${formatBytes(p.bytes)}`)
        .join(", ")}` +
      `${use.truncated ? " (the walk stopped early: lower bounds)" : ""}. plugdeps keeps the live and the previous ` +
      `generation of each root, ${"`retention`"} previous roots, the newest ${LOG_KEEP_COUNT} logs and a cache at most ` +
      `${CACHE_MAX_AGE_MS / 86_400_000} days old`,
    fix:
      "`plugdeps status` shows the use per root and generation; `plugdeps apply` removes what is beyond retention; " +
      "lower `retention` in the settings file to keep fewer previous roots",
    fixable: false,
  };
};

/** Left by an interrupted run (a kill, a crash, a full disk): harmless, and the next apply tidies it. */
const leftoverFinding = (l: LeftoverJson): Finding =>
  isRetentionKind(l.kind)
    ? {
        id: "beyond-retention",
        severity: "info",
        title: `beyond retention (${l.kind}): ${l.path}`,
        subject: l.path,
        detail:
          l.kind === "log"
            ? `plugdeps keeps the newest ${LOG_KEEP_COUNT} package-manager logs, none older than ${LOG_MAX_AGE_MS / 86_400_000} days`
            : `a package-manager cache is started afresh once it is ${CACHE_MAX_AGE_MS / 86_400_000} days old`,
        fix: APPLY,
        fixable: true,
      }
    : interruptedFinding(l);

const interruptedFinding = (l: LeftoverJson): Finding => ({
  id: "leftover",
  severity: "info",
  title: `left by an interrupted run (${l.kind}): ${l.path}`,
  subject: l.path,
  detail: "the live root is not affected; apply removes it under the install-root lock",
  fix: APPLY,
  fixable: true,
});

/** An invalid manifest disables that plugin only; the operator should know which and why. */
const invalidPlugins = (plan: PlanDocument): Finding[] =>
  plan.plugins
    .filter((p) => !p.valid)
    .map((p) => ({
      id: "plugin-manifest-invalid",
      severity: "warning" as const,
      title: `plugin ${p.id} has an invalid manifest and is disabled`,
      subject: p.dir,
      detail: p.problems.join("\n") || p.reason,
      fix: "fix the plugin's manifest, or reinstall or upgrade the host package it ships in",
      fixable: false,
    }));

/** A spec plugdeps refuses (git, file:, traversal) is never installed: the plugin may lack it. */
const rejectedSpecs = (plan: PlanDocument): Finding[] =>
  plan.desired.rejected.map((r) => ({
    id: "dependency-spec-rejected",
    severity: "warning" as const,
    title: `plugin ${r.plugin}: dependency ${r.name}@${JSON.stringify(r.spec)} is not installed`,
    subject: `${r.plugin}:${r.name}`,
    detail: r.reason,
    fix: "only registry names with semver specs are installed: ask the plugin's maintainers, or provide the package in a read-only stage layer",
    fixable: false,
  }));

/** A loop or timer that stopped running leaves drift unrepaired without anyone noticing. */
const staleStatus = (facts: DoctorFacts): Finding[] => {
  const status = facts.status;
  if (status === null) return [];
  // Doctor's sign of life is the end of the last pass only: unlike `status` (recordStaleness), it
  // does not count a later mid-pass write (`updatedAt`), which its lenient reading leaves out.
  const { stale, ageMs } = statusStaleness(status.finishedAtMs, status.intervalMs, facts.now);
  if (!stale) return [];
  const age = timeSpan(ageMs);
  return [
    {
      id: "reconcile-status-stale",
      severity: "warning",
      title: `the last reconcile pass finished ${age} ago, more than two intervals (${timeSpan(status.intervalMs)} each)`,
      subject: status.file,
      detail: `last pass finished at ${new Date(status.finishedAtMs).toISOString()} per ${status.file}; the loop or timer is not running or keeps failing.`,
      fix:
        `check the scheduler: \`systemctl status plugdeps-${facts.host}.timer\` and \`journalctl -u plugdeps-${facts.host}.service\` ` +
        "(or the reconcile container's logs); `plugdeps reconcile --once` runs one pass by hand",
      fixable: false,
    },
  ];
};

/** Information: a conflict was resolved by isolating a plugin (SPEC §4.9); nothing is wrong. */
const conflicts = (plan: PlanDocument): Finding[] =>
  plan.desired.conflicts.map((c) => {
    const isolated = c.isolated.map((i) => `${i.plugin} (${i.spec})`).join(", ");
    return {
      id: "conflict-isolated",
      severity: "info" as const,
      title: `${c.name}: ${c.isolated.map((i) => i.plugin).join(", ") || "no plugin"} isolated`,
      subject: c.name,
      detail: `shared ${c.shared.spec} (${c.shared.plugins.join(", ")}); isolated: ${isolated || "none"}. ${c.reason}`,
      fix: "nothing to do: the isolated plugin resolves its own copy first (align the plugins' specs to share one)",
      fixable: false,
    };
  });

/** The observer's notes (roots left alone, unlistable directories), minus what a finding says. */
const notes = (facts: DoctorFacts): Finding[] =>
  facts.plan.observed.notes
    .filter((n) => !(facts.current.state === "not-owned" && n.startsWith(facts.plan.desired.targetRoot)))
    .map((n) => ({
      id: "note",
      severity: "info" as const,
      title: n,
      subject: null,
      detail: "",
      fix: "nothing to do",
      fixable: false,
    }));

// ---------------------------------------------------------------------------------------------
// When there is no plan at all.

const kebab = (tag: string): string => tag.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

/**
 * A failure before anything could be observed (no writable stage base, an unreadable config, no
 * host package) is itself the finding. The error's own message already names what failed and
 * the fix; it is split at its `Fix:` so the two land in their fields.
 */
export const findingFromError = (error: PlugdepsError): Finding => {
  // Most messages end in "Fix: <what to do>"; syntax errors say "Fix the syntax at that position."
  const colon = error.message.lastIndexOf("Fix:");
  const at = colon !== -1 ? colon : error.message.lastIndexOf("Fix ");
  const detail = (at === -1 ? error.message : error.message.slice(0, at)).trim();
  const fix =
    at === -1
      ? "see the detail above"
      : colon !== -1
        ? error.message.slice(at + "Fix:".length).trim()
        : `fix${error.message.slice(at + "Fix".length)}`.trim();
  const [title, ...rest] = detail.split("\n");
  return {
    id: kebab(error._tag),
    severity: "error",
    title: (title ?? detail).replace(/[;:]$/, ""),
    subject: "path" in error ? error.path : null,
    detail: rest.join("\n").trim(),
    fix,
    fixable: false,
  };
};
