import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseDuration } from "../../src/util/duration.js";

/**
 * The Kubernetes examples in docs/examples/ are part of the product: an operator copies them.
 * Each is parsed (a YAML error or a second document fails) and checked field by field against
 * the pattern docs/operations.md describes: an init container applies into a shared volume, the
 * host reads it read-only through the hook, a CronJob reconciles the same volume.
 */

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs");

type Obj = Record<string, unknown>;

const load = (name: string): Obj => {
  const text = fs.readFileSync(path.join(DOCS, "examples", name), "utf8");
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error(`${name}: empty`);
  expect(docs, `${name}: one document`).toHaveLength(1);
  const [doc] = docs;
  expect(doc?.errors ?? [], `${name}: YAML errors`).toEqual([]);
  expect(doc?.warnings ?? [], `${name}: YAML warnings`).toEqual([]);
  return doc?.toJS() as Obj;
};

/** `obj.a.b[0].c` with a readable failure when a step is missing. */
const at = (obj: unknown, ...keys: (string | number)[]): unknown => {
  let current: unknown = obj;
  for (const key of keys) {
    if (current === null || typeof current !== "object" || !(key in current)) {
      throw new Error(`missing ${keys.join(".")} (at ${String(key)})`);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
};

interface Container {
  name: string;
  image: string;
  command: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Obj;
}

const envOf = (c: Container, name: string): string | undefined => c.env?.find((e) => e.name === name)?.value;
const mountOf = (c: Container, volume: string) => c.volumeMounts?.find((m) => m.name === volume);
const volumeClaim = (podSpec: unknown, volume: string): unknown =>
  (at(podSpec, "volumes") as Obj[]).find((v) => v["name"] === volume)?.["persistentVolumeClaim"];

/** The writable stage base a container converges: `--stage-dir`, else the stage list's last entry. */
const stageTarget = (c: Container): string | undefined => {
  const argv = [...c.command, ...(c.args ?? [])];
  const flag = argv.indexOf("--stage-dir");
  if (flag !== -1) return argv[flag + 1];
  return envOf(c, "OPENCLAW_PLUGIN_STAGE_DIR")?.split(":").at(-1);
};

const inside = (p: string | undefined, dir: string | undefined): boolean =>
  p !== undefined && dir !== undefined && (p === dir || p.startsWith(`${dir}/`));

const VOLUME = "plugin-deps";

const pvc = load("pvc.yaml");
const deployment = load("deployment-with-init-container.yaml");
const cronjob = load("cronjob-reconcile.yaml");

const podSpec = at(deployment, "spec", "template", "spec");
const [init] = at(podSpec, "initContainers") as Container[];
const [host] = at(podSpec, "containers") as Container[];
const jobPod = at(cronjob, "spec", "jobTemplate", "spec", "template", "spec");
const [reconciler] = at(jobPod, "containers") as Container[];
if (init === undefined || host === undefined || reconciler === undefined)
  throw new Error("containers missing");

describe("docs/examples/pvc.yaml", () => {
  it("is a claim every writer can mount", () => {
    expect(pvc["apiVersion"]).toBe("v1");
    expect(pvc["kind"]).toBe("PersistentVolumeClaim");
    expect(at(pvc, "spec", "accessModes")).toContain("ReadWriteMany");
    expect(at(pvc, "spec", "resources", "requests", "storage")).toMatch(/^\d+(Mi|Gi)$/);
  });
});

describe("docs/examples/deployment-with-init-container.yaml", () => {
  it("is a Deployment whose selector matches its pods", () => {
    expect(deployment["apiVersion"]).toBe("apps/v1");
    expect(deployment["kind"]).toBe("Deployment");
    expect(at(deployment, "spec", "selector", "matchLabels")).toEqual(
      at(deployment, "spec", "template", "metadata", "labels"),
    );
  });

  it("the init container runs `plugdeps apply` into the shared volume, writable", () => {
    expect(init.command.slice(0, 2)).toEqual(["plugdeps", "apply"]);
    const mount = mountOf(init, VOLUME);
    expect(mount?.readOnly ?? false).toBe(false);
    expect(inside(stageTarget(init), mount?.mountPath), `${stageTarget(init)} on ${mount?.mountPath}`).toBe(
      true,
    );
    expect(volumeClaim(podSpec, VOLUME)).toEqual({ claimName: at(pvc, "metadata", "name") });
  });

  it("the host mounts the same volume read-only, at the same path, and sees the same stage list", () => {
    const mount = mountOf(host, VOLUME);
    expect(mount?.readOnly).toBe(true);
    expect(mount?.mountPath).toBe(mountOf(init, VOLUME)?.mountPath);
    expect(envOf(host, "OPENCLAW_PLUGIN_STAGE_DIR")).toBe(envOf(init, "OPENCLAW_PLUGIN_STAGE_DIR"));
    expect(envOf(host, "PLUGDEPS_STAGE_DIR")).toBe(envOf(init, "OPENCLAW_PLUGIN_STAGE_DIR"));
    expect(envOf(host, "OPENCLAW_CONFIG_PATH")).toBe(envOf(init, "OPENCLAW_CONFIG_PATH"));
    // same image: the root is keyed by the host package's path and bytes
    expect(host.image).toBe(init.image);
  });

  it("the host loads the hook with --import and an absolute path", () => {
    const options = envOf(host, "NODE_OPTIONS") ?? "";
    const match = /(?:^|\s)--import[ =](\S+)/.exec(options);
    expect(match, options).not.toBeNull();
    expect(path.isAbsolute(match?.[1] ?? "")).toBe(true);
    expect(match?.[1]).toMatch(/register\.js$/);
  });

  it("runs as non-root with a read-only root filesystem and no privilege escalation", () => {
    expect(at(podSpec, "securityContext", "runAsNonRoot")).toBe(true);
    for (const c of [init, host]) {
      expect(at(c, "securityContext", "readOnlyRootFilesystem"), c.name).toBe(true);
      expect(at(c, "securityContext", "allowPrivilegeEscalation"), c.name).toBe(false);
      expect(at(c, "securityContext", "capabilities", "drop"), c.name).toEqual(["ALL"]);
    }
  });
});

describe("docs/examples/cronjob-reconcile.yaml", () => {
  it("is a CronJob that never overlaps itself", () => {
    expect(cronjob["apiVersion"]).toBe("batch/v1");
    expect(cronjob["kind"]).toBe("CronJob");
    expect(at(cronjob, "spec", "concurrencyPolicy")).toBe("Forbid");
    expect(String(at(cronjob, "spec", "schedule")).split(" ")).toHaveLength(5);
    expect(["Never", "OnFailure"]).toContain(at(jobPod, "restartPolicy"));
  });

  it("runs one reconcile pass, with --every matching the schedule", () => {
    expect(reconciler.command.slice(0, 3)).toEqual(["plugdeps", "reconcile", "--once"]);
    const every = reconciler.command[reconciler.command.indexOf("--every") + 1] ?? "";
    const minutes = /^\*\/(\d+) \* \* \* \*$/.exec(String(at(cronjob, "spec", "schedule")))?.[1];
    expect(minutes).toBeDefined();
    expect(parseDuration(every)).toBe(Number(minutes) * 60_000);
  });

  it("writes the same volume, at the same path, with the same stage list and image as the host", () => {
    const mount = mountOf(reconciler, VOLUME);
    expect(mount?.readOnly ?? false).toBe(false);
    expect(mount?.mountPath).toBe(mountOf(init, VOLUME)?.mountPath);
    expect(volumeClaim(jobPod, VOLUME)).toEqual(volumeClaim(podSpec, VOLUME));
    expect(envOf(reconciler, "OPENCLAW_PLUGIN_STAGE_DIR")).toBe(envOf(init, "OPENCLAW_PLUGIN_STAGE_DIR"));
    expect(inside(stageTarget(reconciler), mount?.mountPath)).toBe(true);
    expect(reconciler.image).toBe(host.image);
    expect(at(jobPod, "securityContext", "runAsNonRoot")).toBe(true);
    expect(at(reconciler, "securityContext", "readOnlyRootFilesystem")).toBe(true);
  });
});

describe("docs/operations.md", () => {
  it("links every example manifest", () => {
    const doc = fs.readFileSync(path.join(DOCS, "operations.md"), "utf8");
    for (const name of fs.readdirSync(path.join(DOCS, "examples"))) {
      expect(doc, name).toContain(`examples/${name}`);
    }
  });
});
