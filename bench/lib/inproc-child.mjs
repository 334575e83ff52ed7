// In-process measurement, run as a child process by the benchmarks: imports the built library
// (`createPlan` from dist/src/index.js) the way a host would at start-up, makes one warm-up call
// per variant, then times many calls, interleaving the variants block by block (the first variant
// rotates from round to round), e.g. a clean root and a drifted copy of it, so both see the same
// warm process. Checks every result: a clean
// variant must plan no action, a drifted one must name the drifted packages.
// Input: one JSON argument; output: one JSON document on stdout.
//   node bench/lib/inproc-child.mjs '{"library":...,"rounds":10,"block":5,"variants":[...]}'
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const input = JSON.parse(process.argv[2]);
const t0 = performance.now();
const { createPlan } = await import(pathToFileURL(input.library).href);
const importMs = performance.now() - t0;

const check = (variant, result) => {
  if (result._tag !== "Right") return { ok: false, actions: null, error: JSON.stringify(result.left) };
  const actions = result.right.actions;
  if (variant.expectDrift === null) return { ok: actions.length === 0, actions: actions.length };
  const named = new Set(actions.flatMap((a) => a.packages.map((p) => p.name)));
  return { ok: variant.expectDrift.every((n) => named.has(n)), actions: actions.length };
};

const timeOne = (variant) => {
  const start = performance.now();
  const result = createPlan(variant.options);
  const ms = performance.now() - start;
  return { ms, ...check(variant, result) };
};

const out = { importMs, firstMs: {}, variants: {} };
for (const v of input.variants) {
  const first = timeOne(v);
  out.firstMs[v.label] = first.ms;
  out.variants[v.label] = {
    ms: [],
    ok: 0,
    total: 0,
    actions: first.actions,
    errors: first.error ? [first.error] : [],
  };
}
for (let round = 0; round < input.rounds; round++) {
  // The variant that goes first changes from round to round (no order bias).
  const order = input.variants.map((_, i) => input.variants[(i + round) % input.variants.length]);
  for (const v of order) {
    for (let i = 0; i < input.block; i++) {
      const r = timeOne(v);
      const acc = out.variants[v.label];
      acc.ms.push(r.ms);
      acc.total++;
      if (r.ok) acc.ok++;
      else if (r.error && acc.errors.length < 3) acc.errors.push(r.error);
      acc.actions = r.actions;
    }
  }
}
out.maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify(out));
