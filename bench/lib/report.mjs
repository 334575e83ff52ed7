// Turns what a workload recorded (samples, peak memory, checks, facts, problems) into the printed
// tables: one block per operation, the plugdeps command first, then each alternative with the
// ratio, the target and MET / NOT MET. Every target becomes a line of the final summary, every
// failed plugdeps check a finding. Medians only; nothing here is hard-coded but the targets.
import { fmtInt, fmtMb, fmtMs, median } from "./measure.mjs";

const COLS = [48, 10, 9, 50, 16];

const line = (label, ms, rss, note = "", target = "", result = "") =>
  `  ${label.padEnd(COLS[0])}${ms.padStart(COLS[1])}${rss.padStart(COLS[2])}  ${note.padEnd(COLS[3])}${target.padEnd(COLS[4])}${result}`;

const heading = () =>
  line("operation / command", "median", "max RSS", "comparison, checks", "target", "result");

const verdict = (met) => (met === null ? "n/a" : met ? "MET" : "NOT MET");

/** Collects target lines and findings while a table is built. */
const makeSink = (workload) => {
  const sink = { lines: [], targets: [], findings: [] };
  sink.group = (title) => sink.lines.push(`  ${title}`);
  sink.row = (label, ms, rss, note = "", target = null) => {
    if (target === null) return sink.lines.push(line(`  ${label}`, fmtMs(ms), fmtMb(rss), note));
    sink.targets.push({ workload, target: target.name, measured: target.measured, met: target.met });
    return sink.lines.push(line(`  ${label}`, fmtMs(ms), fmtMb(rss), note, target.text, verdict(target.met)));
  };
  return sink;
};

const ratio = (a, b) => (a === null || b === null || b === 0 ? null : a / b);
const fmtRatio = (x) => (x === null ? "n/a" : `${x.toFixed(2)}x`);
const atMost = (x, limit) => (x === null ? null : x <= limit);
const atLeast = (x, limit) => (x === null ? null : x >= limit);
const maxOf = (xs) => (xs && xs.length > 0 ? Math.max(...xs) : null);

const countText = (c) => (c ? `${c.ok}/${c.total}` : "n/a");
const allOk = (c) => (c ? c.ok === c.total && c.total > 0 : null);

/** What a failed check means, for the findings; the alternatives' checks are not findings. */
const CHECKS = {
  "fresh.planEmptyAfter": "plan right after a fresh apply has no actions",
  "noop.noPackageManager": "a no-op apply starts no package manager",
  "inproc.cleanNoAction": "createPlan on a complete root plans no action",
  "inproc.driftDetected": "createPlan on a drifted root names both drifted packages",
  "drift.planDetected": "plugdeps plan names both drifted packages",
  "drift.repaired": "plugdeps apply repairs the drift (both packages back inside their specs)",
  "drift.planEmptyAfter": "plan after the repair has no actions",
  "upgrade.noPackageManager":
    "apply after a host upgrade with unchanged dependencies starts no package manager",
  "upgrade.planEmptyAfter": "plan after the upgrade apply has no actions",
  "addone.planEmptyAfter": "plan after the add-one apply has no actions",
};

const findingsOf = (workload, rec) =>
  Object.entries(rec.checks)
    .filter(([key, c]) => (CHECKS[key] !== undefined || key.startsWith("inproc.noAction.")) && c.ok < c.total)
    .map(
      ([key, c]) =>
        `${workload}: ${CHECKS[key] ?? `createPlan at ${key.split(".").pop()} packages plans no action`}: ` +
        `only ${c.ok} of ${c.total}${c.details.length > 0 ? ` (${c.details.join("; ")})` : ""}`,
    );

/** Medians by sample key; a key with no samples reads as null (printed n/a, verdict n/a). */
const mediansOf = (rec) =>
  new Proxy(Object.fromEntries(Object.entries(rec.samples).map(([k, v]) => [k, median(v)])), {
    get: (target, key) => target[key] ?? null,
  });

/** The table of one install workload (W-demo, W15); the memory target applies to W15 only. */
export const installTable = (workload, rec) => {
  const m = mediansOf(rec);
  const rss = (k) => maxOf(rec.rss[k]);
  const s = makeSink(workload);
  s.lines.push(heading());

  s.group("no-op on a complete root (whole process)");
  s.row(
    "plugdeps apply",
    m["noop.plugdeps"],
    rss("noop.plugdeps"),
    `no package manager run ${countText(rec.checks["noop.noPackageManager"])}`,
  );
  const vsNode = ratio(m["noop.plugdeps"], m["noop.node"]);
  s.row("node -e 0 (floor)", m["noop.node"], null, `plugdeps = ${fmtRatio(vsNode)} this`, {
    name: "no-op apply <= 1.5x node -e 0",
    text: "<= 1.5x",
    measured: fmtRatio(vsNode),
    met: atMost(vsNode, 1.5),
  });
  const vsNpm = ratio(m["noop.plugdeps"], m["noop.npm"]);
  s.row("npm install", m["noop.npm"], null, `plugdeps = ${fmtRatio(vsNpm)} this`, {
    name: "no-op apply <= 0.15x npm install",
    text: "<= 0.15x",
    measured: fmtRatio(vsNpm),
    met: atMost(vsNpm, 0.15),
  });
  s.row(
    "pnpm install",
    m["noop.pnpm"],
    null,
    `plugdeps = ${fmtRatio(ratio(m["noop.plugdeps"], m["noop.pnpm"]))} this`,
  );
  s.row(
    "  first no-op apply after the fresh apply",
    m["noop.plugdepsFirst"],
    rss("noop.plugdepsFirst"),
    "other command line: its no-op stamp not written yet",
  );

  s.group("no-op check in process (createPlan, library API)");
  const clean = rec.checks["inproc.cleanNoAction"];
  s.row(
    "createPlan, complete root",
    m["inproc.clean"],
    rss("inproc.import"),
    `actions = 0 in ${countText(clean)} calls`,
    {
      name: "in-process no-op check <= 10 ms",
      text: "<= 10 ms",
      measured: fmtMs(m["inproc.clean"]),
      met: m["inproc.clean"] === null ? null : m["inproc.clean"] <= 10 && allOk(clean),
    },
  );
  s.row("  first call in the process", m["inproc.first"], null);
  s.row("  import of dist/src/index.js", m["inproc.import"], null);

  s.group(`drift: ${rec.facts.drift?.deleted ?? "?"} deleted, ${rec.facts.drift?.replaced ?? "?"} by hand`);
  const detected = rec.checks["drift.planDetected"];
  s.row(
    "plugdeps plan --json (detects)",
    m["drift.plugdepsPlan"],
    rss("drift.plugdepsPlan"),
    `detected ${countText(detected)}`,
    {
      name: "drift detected every time (plan)",
      text: "every time",
      measured: countText(detected),
      met: allOk(detected),
    },
  );
  const repaired = rec.checks["drift.repaired"];
  s.row(
    "plugdeps apply (repairs)",
    m["drift.plugdeps"],
    rss("drift.plugdeps"),
    `repaired ${countText(repaired)}, no-op after ${countText(rec.checks["drift.planEmptyAfter"])}, ` +
      `pnpm runs ${[...new Set(rec.facts.driftApplySpawns ?? [])].join("/") || "?"}`,
    {
      name: "drift repaired by apply every time",
      text: "every time",
      measured: countText(repaired),
      met: allOk(repaired),
    },
  );
  const extra =
    m["inproc.drift"] === null || m["inproc.clean"] === null ? null : m["inproc.drift"] - m["inproc.clean"];
  const inDetected = rec.checks["inproc.driftDetected"];
  s.row(
    "createPlan, drifted root",
    m["inproc.drift"],
    null,
    `detected ${countText(inDetected)} calls; extra ${extra === null ? "n/a" : `${extra >= 0 ? "+" : ""}${extra.toFixed(2)} ms`}`,
    {
      name: "drift detected in process, <= 2 ms extra",
      text: "<= 2 ms extra",
      measured: extra === null ? "n/a" : `${extra.toFixed(2)} ms, ${countText(inDetected)}`,
      met: extra === null ? null : extra <= 2 && allOk(inDetected),
    },
  );
  s.row(
    "pnpm install (its own root, same drift)",
    m["drift.pnpm"],
    null,
    `repaired ${countText(rec.checks["drift.pnpmRepaired"])}; "Already up to date" ${countText(rec.checks["drift.pnpmSaidUpToDate"])}`,
  );
  s.row(
    "npm install (its own root, same drift)",
    m["drift.npm"],
    null,
    `repaired ${countText(rec.checks["drift.npmRepaired"])}`,
  );

  s.group("reuse after host upgrade (version bumped, dependencies unchanged)");
  const up = rec.facts.upgradePlan;
  s.row(
    "plugdeps apply",
    m["upgrade.plugdeps"],
    rss("upgrade.plugdeps"),
    `${up ? `${up.reuse} reuse, ${up.install} install actions; ` : ""}no pnpm ${countText(rec.checks["upgrade.noPackageManager"])}`,
  );
  const vsWarm = ratio(m["upgrade.plugdeps"], m["upgrade.pnpmWarm"]);
  s.row(
    "pnpm install, warm store (fresh dir)",
    m["upgrade.pnpmWarm"],
    null,
    `plugdeps = ${fmtRatio(vsWarm)} this`,
    {
      name: "upgrade apply <= pnpm warm-store install",
      text: "<= 1x",
      measured: fmtRatio(vsWarm),
      met: atMost(vsWarm, 1),
    },
  );
  const npmOverPd = ratio(m["fresh.npm"], m["upgrade.plugdeps"]);
  s.row("npm install, fresh (cold cache)", m["fresh.npm"], null, `this = ${fmtRatio(npmOverPd)} plugdeps`, {
    name: "upgrade apply >= 15x faster than fresh npm install",
    text: ">= 15x faster",
    measured: fmtRatio(npmOverPd),
    met: atLeast(npmOverPd, 15),
  });
  s.row(
    "cp -al of the previous root",
    m["upgrade.cpal"],
    null,
    `plugdeps = ${fmtRatio(ratio(m["upgrade.plugdeps"], m["upgrade.cpal"]))} this`,
  );

  s.group("fresh install (empty stage, cold store)");
  s.row(
    "plugdeps apply --package-manager pnpm",
    m["fresh.plugdeps"],
    rss("fresh.plugdeps"),
    `plan empty after ${countText(rec.checks["fresh.planEmptyAfter"])}`,
  );
  const vsPnpm = ratio(m["fresh.plugdeps"], m["fresh.pnpm"]);
  s.row(
    "pnpm install, same manifests, cold store",
    m["fresh.pnpm"],
    null,
    `plugdeps = ${fmtRatio(vsPnpm)} this`,
    {
      name: "fresh apply <= 1.15x raw pnpm install",
      text: "<= 1.15x",
      measured: fmtRatio(vsPnpm),
      met: atMost(vsPnpm, 1.15),
    },
  );
  s.row(
    "npm install, same manifests, cold cache",
    m["fresh.npm"],
    null,
    `plugdeps = ${fmtRatio(ratio(m["fresh.plugdeps"], m["fresh.npm"]))} this`,
  );

  s.group(`add one plugin to a complete root (${rec.facts.addOne ?? "?"})`);
  const ap = rec.facts.addOnePlan;
  s.row(
    "plugdeps apply",
    m["addone.plugdeps"],
    rss("addone.plugdeps"),
    `${ap ? `${ap.install} install, ${ap.reuse} reuse actions; ` : ""}${rec.facts.addOneNewPackages ?? "?"} packages added`,
  );
  s.row(
    "full fresh reinstall (plugdeps apply, cold)",
    m["fresh.plugdeps"],
    null,
    `add-one = ${fmtRatio(ratio(m["addone.plugdeps"], m["fresh.plugdeps"]))} this`,
  );
  const newOnly = ratio(m["addone.plugdeps"], m["addone.pnpmNewOnly"]);
  s.row(
    "raw pnpm install of the added plugin's packages alone",
    m["addone.pnpmNewOnly"],
    null,
    `add-one = ${fmtRatio(newOnly)} this (cold store)`,
    {
      name: "add one plugin: only the new packages' cost (<= 1.5x installing them alone)",
      measured: fmtRatio(newOnly),
      met: atMost(newOnly, 1.5),
      text: "<= 1.5x",
    },
  );

  const ownKeys = [
    "noop.plugdepsFirst",
    "noop.plugdeps",
    "drift.plugdepsPlan",
    "drift.plugdeps",
    "upgrade.plugdeps",
    "fresh.plugdeps",
    "addone.plugdeps",
    "inproc.import",
  ];
  const peak = maxOf(ownKeys.flatMap((k) => rec.rss[k] ?? []));
  s.lines.push(
    line(
      "peak memory of plugdeps (largest of its rows)",
      "",
      fmtMb(peak),
      "",
      workload === "W15" ? "<= 150 MB" : "",
      workload === "W15" ? verdict(atMost(peak, 150)) : "",
    ),
  );
  if (workload === "W15") {
    s.targets.push({
      workload,
      target: "peak memory <= 150 MB",
      measured: fmtMb(peak),
      met: atMost(peak, 150),
    });
  }
  s.findings.push(...findingsOf(workload, rec), ...rec.problems.map((p) => `${workload}: ${p}`));
  return { ...s, medians: m };
};

/** The W-scale table: plan cost at each size, per package, and whether it grows linearly. */
export const scaleTable = (rec, sizes) => {
  const m = mediansOf(rec);
  const s = makeSink("W-scale");
  s.lines.push(
    `  ${"packages".padStart(9)}${"installed".padStart(11)}${"plugdeps plan".padStart(15)}${"us/pkg".padStart(8)}${"max RSS".padStart(9)}` +
      `${"createPlan".padStart(12)}${"us/pkg".padStart(8)}${"first call".padStart(12)}   no action`,
  );
  for (const n of sizes) {
    const plan = m[`plan.${n}`];
    const inproc = m[`inproc.${n}`];
    s.lines.push(
      `  ${fmtInt(n).padStart(9)}${fmtInt(rec.facts.installed?.[n] ?? 0).padStart(11)}${fmtMs(plan).padStart(15)}` +
        `${perPkg(plan, n).padStart(8)}${fmtMb(maxOf(rec.rss[`plan.${n}`])).padStart(9)}${fmtMs(inproc).padStart(12)}` +
        `${perPkg(inproc, n).padStart(8)}${fmtMs(m[`inproc.first.${n}`]).padStart(12)}   ${countText(rec.checks[`inproc.noAction.${n}`])}`,
    );
  }
  const largest = sizes[sizes.length - 1];
  const planLargest = m[`plan.${largest}`];
  s.targets.push({
    workload: "W-scale",
    target: `plugdeps plan at ${fmtInt(largest)} packages <= 400 ms`,
    measured: fmtMs(planLargest),
    met: atMost(planLargest, 400),
  });
  for (const kind of ["plan", "inproc"]) {
    const marginal = sizes.slice(1).map((n, i) => {
      const [a, b] = [m[`${kind}.${sizes[i]}`], m[`${kind}.${n}`]];
      return a === null || b === null ? null : ((b - a) / (n - sizes[i])) * 1000;
    });
    const known = marginal.length >= 2 && marginal.every((x) => x !== null);
    const label = kind === "plan" ? "plugdeps plan" : "createPlan";
    // Linear: the last step costs at most 1.5x the first per package (noise allowed for; a
    // first step at or below zero cannot be compared and counts as linear when the last is small).
    const met = !known ? null : marginal[marginal.length - 1] <= Math.max(1.5 * marginal[0], 5);
    s.lines.push(
      `  ${label}: marginal cost ${marginal.map((x) => (x === null ? "n/a" : `${x.toFixed(1)} us/pkg`)).join(", then ")} ` +
        `(linear: the last step costs <= 1.5x the first per package): ${verdict(met)}`,
    );
    s.targets.push({
      workload: "W-scale",
      target: `${label} linear in packages`,
      measured: `${marginal.map((x) => (x === null ? "n/a" : x.toFixed(1))).join(" -> ")} us/pkg`,
      met,
    });
  }
  s.lines.push(
    `  ${"plugdeps plan at the largest size".padEnd(40)} ${fmtMs(planLargest)}   target <= 400 ms: ${verdict(atMost(planLargest, 400))}`,
  );
  s.findings.push(...findingsOf("W-scale", rec), ...rec.problems.map((p) => `W-scale: ${p}`));
  return { ...s, medians: m };
};

const perPkg = (ms, n) => (ms === null || ms === undefined ? "n/a" : ((ms * 1000) / n).toFixed(1));

/** The closing summary: every target with its verdict, then every finding. */
export const summaryLines = (targets, findings) => {
  const out = ["Targets:"];
  const width = Math.max(...targets.map((t) => `${t.workload}: ${t.target}`.length), 20);
  for (const t of targets) {
    out.push(
      `  ${`${t.workload}: ${t.target}`.padEnd(width)}  ${String(t.measured).padEnd(18)} ${verdict(t.met)}`,
    );
  }
  out.push("");
  if (findings.length === 0) out.push("Findings: none (every plugdeps check passed, no command failed).");
  else {
    out.push(`Findings (${findings.length}): what plugdeps got wrong or what failed`);
    for (const f of findings) out.push(`  ! ${f.replace(/\n/g, "\n    ")}`);
  }
  return out;
};
