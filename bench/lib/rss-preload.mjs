// Loaded with `node --import` into the plugdeps process only (never into the package managers it
// spawns): on exit, writes this process's own peak RSS (KB) to $PLUGDEPS_BENCH_RSS_OUT. GNU time
// reports the largest process of the whole tree, which for an apply that runs pnpm is pnpm.
import * as fs from "node:fs";

const out = process.env["PLUGDEPS_BENCH_RSS_OUT"];
if (out !== undefined && out !== "") {
  process.on("exit", () => {
    try {
      fs.writeFileSync(out, String(process.resourceUsage().maxRSS));
    } catch {
      // the measurement is missing, the run is not affected
    }
  });
}
