/** `90s`, `5m`, `1h30m`, `250ms`, or a bare number of seconds. Null when unparseable. */
export const parseDuration = (text: string): number | null => {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(trimmed); m !== null; m = re.exec(trimmed)) {
    const n = Number(m[1]);
    const unit = m[2];
    total +=
      n *
      (unit === "ms"
        ? 1
        : unit === "s"
          ? 1000
          : unit === "m"
            ? 60_000
            : unit === "h"
              ? 3_600_000
              : 86_400_000);
    consumed = re.lastIndex;
  }
  return consumed === trimmed.length && trimmed.length > 0 ? total : null;
};
