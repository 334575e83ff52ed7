import childProcess from "node:child_process";
import { syncBuiltinESMExports } from "node:module";

// Setup file of the `unit` project: unit tests start no process. Every way node:child_process
// starts one throws instead, for this file's code, the code under test and the libraries both use
// (execa calls child_process.spawn). A test that needs a process (a package manager, the CLI,
// unshare, systemd-analyze, mkfifo) belongs in test/integration or test/faults.
// Patching the default export and syncing the builtin ESM exports is what makes named imports
// (`import { spawnSync } from "node:child_process"`) see the guard too.

const guarded = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"] as const;

for (const name of guarded) {
  Object.defineProperty(childProcess, name, {
    configurable: true,
    writable: true,
    value: (file: unknown) => {
      throw new Error(
        `unit tests start no process: child_process.${name}(${JSON.stringify(file)}); ` +
          "move the test to test/integration or test/faults",
      );
    },
  });
}
syncBuiltinESMExports();
