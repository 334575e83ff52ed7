import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { decodeWith } from "../../model/decode.js";
import { configNotFound, type PlugdepsError } from "../../model/errors.js";
import { OpenClawConfig } from "./config-codec.js";
import { parseJson5, readTextFile } from "../../util/read-json.js";
import type { ConfigLocation } from "../types.js";

/**
 * Reads, parses (JSON5, errors carry file:line:col) and decodes (errors carry the key path, e.g.
 * `plugins.allow[1]: expected string, got 42`) the OpenClaw config. A missing file is an error
 * only when the operator named it; a missing default file is the empty config (SPEC §4.12).
 */
export const loadConfig = (location: ConfigLocation): E.Either<PlugdepsError, OpenClawConfig> => {
  const text = readTextFile(location.path);
  if (E.isLeft(text)) {
    const failure = text.left;
    if (failure._tag === "Failed") return E.left(failure.error);
    return location.required
      ? E.left(
          configNotFound(
            location.path,
            `chosen by ${location.source}`,
            "point --config / OPENCLAW_CONFIG_PATH at the right file",
          ),
        )
      : E.right(emptyConfig());
  }
  return pipe(
    parseJson5(location.path, text.right),
    E.chain(decodeWith(OpenClawConfig, "OpenClaw config", location.path)),
  );
};

const emptyConfig = (): OpenClawConfig => ({});
