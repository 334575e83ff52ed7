/**
 * An environment whose reads are recorded, so a result computed from it can later be checked
 * against the current environment (fastpath/). Spreading or listing it cannot be recorded
 * variable by variable: that marks the run `enumerated`, and its result is not reused.
 */
export interface RecordingEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly read: Record<string, string | null>;
  enumerated: boolean;
}

export const recordingEnv = (env: Readonly<Record<string, string | undefined>>): RecordingEnv => {
  const rec: RecordingEnv = { env, read: {}, enumerated: false };
  const proxy = new Proxy(env, {
    get: (target, key) => {
      const value = Reflect.get(target, key) as unknown;
      if (typeof key === "string") rec.read[key] = typeof value === "string" ? value : null;
      return value;
    },
    has: (target, key) => {
      if (typeof key === "string")
        rec.read[key] = typeof target[key] === "string" ? (target[key] ?? null) : null;
      return Reflect.has(target, key);
    },
    ownKeys: (target) => {
      rec.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
  return Object.assign(rec, { env: proxy });
};
