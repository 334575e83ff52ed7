import { spawnSync } from "node:child_process";
import type { HostCheckResult, HostCheckSpec } from "../hosts/types.js";
import type { Finding } from "../model/doctor.js";
import type { PlanDocument } from "../model/plan.js";

/**
 * `doctor` runs the host's own dependency check (HostAdapter.hostCheck) and reports where it
 * differs from the plan: the host's truth comes first, so a plan that looks right to plugdeps but
 * that the host reads differently is an error here. The run is the I/O edge; `compareHostCheck`
 * is pure.
 *
 * The host's program needs a Node it accepts (the adapter's hint says which), often not the one
 * plugdeps runs under: `PLUGDEPS_HOST_NODE` names it, else `node` on PATH.
 */

export type HostCheckRun =
  | { readonly _tag: "Ran"; readonly result: HostCheckResult }
  | { readonly _tag: "Unavailable"; readonly why: string };

const TIMEOUT_MS = 120_000;

export const runHostCheck = (
  spec: HostCheckSpec,
  env: Readonly<Record<string, string | undefined>>,
): HostCheckRun => {
  const node = env["PLUGDEPS_HOST_NODE"] ?? "node";
  const r = spawnSync(node, [spec.script, ...spec.args], {
    env: { ...env, ...spec.env, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.error !== undefined) return { _tag: "Unavailable", why: `${node}: ${r.error.message}` };
  if (r.status !== 0) {
    const last =
      r.stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .slice(0, 2)
        .join(" / ") || `exit ${String(r.status ?? r.signal)}`;
    return { _tag: "Unavailable", why: `\`${spec.display}\` (${node}) failed: ${last}` };
  }
  const parsed = spec.parse(r.stdout);
  return typeof parsed === "string"
    ? { _tag: "Unavailable", why: `\`${spec.display}\` printed ${parsed}` }
    : { _tag: "Ran", result: parsed };
};

const listed = (items: readonly string[], max = 8): string =>
  items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;

/** The host's answer against the plan: one finding per kind of difference, or one that agrees. */
export const compareHostCheck = (
  plan: PlanDocument,
  check: Pick<HostCheckSpec, "display" | "hints">,
  run: HostCheckRun,
): Finding[] => {
  const { display, hints } = check;
  const base = { subject: null, fixable: false };
  if (run._tag === "Unavailable") {
    return [
      {
        ...base,
        id: "host-check-unavailable",
        severity: "info",
        title: `the host's own check could not run`,
        detail: run.why,
        fix: `set PLUGDEPS_HOST_NODE to the Node the host runs under (${hints.node})`,
      },
    ];
  }
  const { result } = run;
  const findings: Finding[] = [];
  const hostRoot = plan.observed.hostRoot?.path ?? null;
  if (hostRoot !== null && result.installRoot !== hostRoot) {
    findings.push({
      ...base,
      id: "host-check-install-root",
      severity: "error",
      title: `the host reads ${result.installRoot}, not the host root plugdeps keeps (${hostRoot})`,
      subject: result.installRoot,
      detail: `\`${display}\` names its install root ${result.installRoot}; plugdeps computed ${hostRoot}. The host would install everything again there.`,
      fix: `run plugdeps with the same stage dir and package root as the host's service (${hints.stage}), and report this as a plugdeps bug`,
    });
  }
  if (result.missing.length > 0) {
    findings.push({
      ...base,
      id: "host-check-missing",
      severity: "error",
      title: `the host finds ${result.missing.length} dependencies missing`,
      subject: result.installRoot,
      detail: `\`${display}\`: missing ${listed(result.missing)}. The host would start a package manager for them.`,
      fix: "plugdeps apply (or plugdeps doctor --fix)",
      fixable: true,
    });
  }
  const planned = new Map<string, string>(
    (plan.desired.sets.find((s) => s.id === "shared")?.packages ?? []).map((p) => [p.name, p.spec]),
  );
  const onlyHost = Object.keys(result.wants).filter((n) => !planned.has(n));
  const onlyPlan = [...planned.keys()].filter((n) => !(n in result.wants));
  const specDiffers = Object.entries(result.wants).filter(([n, s]) => planned.has(n) && planned.get(n) !== s);
  if (onlyHost.length + onlyPlan.length + specDiffers.length > 0) {
    const parts = [
      onlyHost.length > 0 ? `only the host wants ${listed(onlyHost)}` : "",
      onlyPlan.length > 0 ? `only plugdeps plans ${listed(onlyPlan)}` : "",
      specDiffers.length > 0
        ? `specs differ for ${listed(specDiffers.map(([n, s]) => `${n} (host ${s}, plan ${planned.get(n) ?? ""})`))}`
        : "",
    ].filter((p) => p !== "");
    findings.push({
      ...base,
      id: "host-check-differs",
      severity: "warning",
      title: `the host's dependency set differs from the plan`,
      subject: result.installRoot,
      detail: `\`${display}\`: ${parts.join("; ")}.`,
      fix: `check that plugdeps reads the host's config (${hints.config}); if it does, report the difference as a plugdeps bug with both outputs`,
    });
  }
  if (findings.length === 0) {
    findings.push({
      ...base,
      id: "host-check-agrees",
      severity: "info",
      title: `the host's own check agrees: ${Object.keys(result.wants).length} dependencies, none missing`,
      subject: result.installRoot,
      detail: `\`${display}\` reads ${result.installRoot}, wants the plan's shared set and finds every package.`,
      fix: "nothing to do",
    });
  }
  return findings;
};
