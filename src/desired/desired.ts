import * as path from "node:path";
import type { PluginFacts } from "../hosts/types.js";
import { ISOLATED_DIR, LAYOUT_VERSION, SHARED_SET_ID, isolatedSetId } from "../model/layout.js";
import type { Conflict, Desired, DesiredPackage, InstallSet, RejectedSpec } from "../model/plan.js";
import { sha256Fingerprint } from "../util/canonical-json.js";
import { checkPackageName, checkSpec } from "./dependency-spec.js";
import { compareByMinVersionDesc, intersectRanges } from "./semver-ranges.js";

/**
 * The desired materialization (pure): the merged dependency specs of the active staged plugins,
 * grouped into one shared install set plus plugin-isolated sets for conflicts that no single
 * version can satisfy (SPEC §4.9). Every entry a manifest declares ends up in exactly one place:
 * a set, `rejected` (with the reason), or skipped (`workspace:`), and each plugin's problems are
 * returned so the plan can show them next to the plugin.
 */

export interface DesiredResult {
  readonly desired: Desired;
  /** Plugin id -> human problems (rejected names/specs, skipped specs). */
  readonly problems: ReadonlyMap<string, readonly string[]>;
}

interface Want {
  readonly plugin: string;
  readonly range: string;
}

export const computeDesired = (
  plugins: readonly PluginFacts[],
  where: { readonly stageBase: string; readonly targetRoot: string },
  /** Operator overrides for transitive dependencies (already validated), NAME -> SPEC. */
  overrides: Readonly<Record<string, string>> = {},
): DesiredResult => {
  const problems = new Map<string, string[]>();
  const note = (plugin: string, text: string) =>
    problems.set(plugin, [...(problems.get(plugin) ?? []), text]);
  const rejected: RejectedSpec[] = [];
  const wants = new Map<string, Want[]>();

  for (const plugin of [...plugins].sort((a, b) => cmp(a.id, b.id))) {
    for (const name of Object.keys(plugin.dependencies).sort()) {
      const spec = plugin.dependencies[name] ?? "";
      const badName = checkPackageName(name);
      if (badName !== null) {
        rejected.push({ plugin: plugin.id, name, spec, reason: badName });
        note(plugin.id, `dependency ${JSON.stringify(name)}@${JSON.stringify(spec)} rejected: ${badName}`);
        continue;
      }
      const verdict = checkSpec(spec);
      if (verdict._tag === "Rejected") {
        rejected.push({ plugin: plugin.id, name, spec, reason: verdict.reason });
        note(plugin.id, `dependency ${name}@${JSON.stringify(spec)} rejected: ${verdict.reason}`);
        continue;
      }
      if (verdict._tag === "Skipped") {
        note(plugin.id, `dependency ${name}@${spec} skipped: ${verdict.reason}`);
        continue;
      }
      wants.set(name, [...(wants.get(name) ?? []), { plugin: plugin.id, range: verdict.range }]);
    }
  }

  const shared: DesiredPackage[] = [];
  const isolated = new Map<string, DesiredPackage[]>();
  const conflicts: Conflict[] = [];

  for (const name of [...wants.keys()].sort()) {
    const group = resolveGroup(wants.get(name) ?? []);
    shared.push({ name, spec: group.range, wantedBy: group.plugins });
    for (const out of group.isolated) {
      isolated.set(out.plugin, [
        ...(isolated.get(out.plugin) ?? []),
        { name, spec: out.range, wantedBy: [out.plugin] },
      ]);
    }
    if (group.isolated.length > 0) {
      conflicts.push({
        name,
        shared: { spec: group.range, plugins: group.plugins },
        isolated: group.isolated.map((w) => ({ plugin: w.plugin, spec: w.range })),
        reason:
          `no version satisfies both ${group.range} (${group.plugins.join(", ")}) and ` +
          group.isolated.map((w) => `${w.range} (${w.plugin})`).join(", ") +
          `; the smaller side gets a plugin-isolated set`,
      });
    }
  }

  const sets: InstallSet[] = [
    { id: SHARED_SET_ID, kind: "shared", plugin: null, dir: where.targetRoot, packages: shared },
    ...[...isolated.keys()].sort().map((plugin): InstallSet => ({
      id: isolatedSetId(plugin),
      kind: "isolated",
      plugin,
      dir: path.join(where.targetRoot, ISOLATED_DIR, plugin),
      packages: isolated.get(plugin) ?? [],
    })),
  ];

  return {
    desired: {
      stageBase: where.stageBase,
      targetRoot: where.targetRoot,
      layoutVersion: LAYOUT_VERSION,
      fingerprint: desiredFingerprint(sets, overrides),
      sets,
      conflicts,
      rejected,
      overrides: sortedRecord(overrides),
    },
    problems,
  };
};

/**
 * The plan fingerprint covers what is materialized (sets, names, specs) and the layout version,
 * not who wants it or where the stage base is: activating a plugin whose dependencies are already
 * wanted does not change what must be on disk.
 */
export const desiredFingerprint = (
  sets: readonly InstallSet[],
  overrides: Readonly<Record<string, string>> = {},
): string =>
  sha256Fingerprint({
    layoutVersion: LAYOUT_VERSION,
    sets: sets.map((s) => ({ id: s.id, packages: s.packages.map((p) => [p.name, p.spec]) })),
    // Overrides change what the package manager resolves underneath, so they are part of what
    // is materialized: changing one makes the root out of date.
    overrides: Object.entries(overrides).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  });

const sortedRecord = (r: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

interface Group {
  readonly range: string;
  readonly plugins: string[];
  readonly isolated: Want[];
}

/**
 * Splits the wants for one package into the shared group and the isolated rest. Specs are ordered
 * by how many plugins want them (ties: the one admitting newer versions, then the spelling); from
 * each spec as a seed, every other spec joins in that order when it still intersects the running
 * range. The seed whose group holds the most plugins wins (ties: the earlier seed). What cannot
 * join is the "smaller side" and is isolated per plugin. Seeding only from the most-wanted
 * spelling is not enough: `^1.0.0`, `^1.1.0`, `^1.2.0` (one plugin each) against `^2.0.0` (two
 * plugins) would isolate three plugins to keep two shared.
 */
const resolveGroup = (wants: readonly Want[]): Group => {
  const bySpec = new Map<string, string[]>();
  for (const w of wants) bySpec.set(w.range, [...(bySpec.get(w.range) ?? []), w.plugin]);
  const ordered = [...bySpec.entries()].sort(
    ([ra, pa], [rb, pb]) => pb.length - pa.length || compareByMinVersionDesc(ra, rb) || cmp(ra, rb),
  );
  let best: Group | null = null;
  for (const [seedIndex, [seed, seedPlugins]] of ordered.entries()) {
    let range = seed;
    const plugins = [...seedPlugins];
    const isolated: Want[] = [];
    for (const [index, [spec, who]] of ordered.entries()) {
      if (index === seedIndex) continue;
      const joined = intersectRanges(range, spec);
      if (joined !== null) {
        range = joined;
        plugins.push(...who);
      } else {
        isolated.push(...who.map((plugin) => ({ plugin, range: spec })));
      }
    }
    if (best === null || plugins.length > best.plugins.length) {
      best = { range, plugins: plugins.sort(), isolated: isolated.sort((a, b) => cmp(a.plugin, b.plugin)) };
    }
  }
  return best ?? { range: "*", plugins: [], isolated: [] };
};

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
