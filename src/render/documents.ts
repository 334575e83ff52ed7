import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type * as t from "io-ts";
import { APPLY_FORMAT_VERSION, ApplyDocument } from "../model/apply.js";
import { stringifyByCodec } from "../model/codec-order.js";
import { decodeWith } from "../model/decode.js";
import { DOCTOR_FORMAT_VERSION, DoctorReport } from "../model/doctor.js";
import { documentInvalid, type PlugdepsError } from "../model/errors.js";
import { RESOLVE_FORMAT_VERSION, ResolveDocument } from "../model/resolve.js";
import { ROLLBACK_FORMAT_VERSION, RollbackDocument } from "../model/rollback.js";
import { ReconcileDocument, STATUS_FORMAT_VERSION } from "../model/status.js";
import { STATUS_VIEW_FORMAT_VERSION, StatusDocument } from "../model/status-view.js";
import { parseJson } from "../util/read-json.js";

/**
 * The `--json` documents (docs/json.md): each is one io-ts codec in src/model/ with a top-level
 * `formatVersion`. Rendering emits keys in the codec's order, 2-space indent, trailing newline;
 * reading checks the formatVersion first (one clear sentence for a document of another release),
 * then decodes, naming every key path that does not match. A reader accepts keys it does not
 * know (a newer plugdeps may add optional ones without a new formatVersion) and refuses a
 * formatVersion it does not know.
 */

/** A versioned document: its codec, the formatVersion this plugdeps writes and reads, its name in errors. */
export interface DocumentFormat<A> {
  readonly codec: t.Type<A, unknown, unknown>;
  readonly formatVersion: number;
  readonly what: string;
}

/** The JSON text of a document: keys in the codec's order, 2-space indent, trailing newline. */
export const renderDocumentJson = <A>(codec: t.Type<A, unknown, unknown>, document: A): string =>
  `${stringifyByCodec(codec, document)}\n`;

/**
 * Reads a document's text: JSON, an object, the formatVersion this plugdeps reads, then the codec.
 * `refuse` words the first three failures (a plan file has its own error); the codec's failures
 * are a DecodeError naming each key path and the formatVersion read.
 */
export const decodeDocument =
  <A>(format: DocumentFormat<A>, source: string, refuse: (detail: string) => PlugdepsError) =>
  (text: string): E.Either<PlugdepsError, A> =>
    pipe(
      parseJson(source, text),
      E.mapLeft((error) => (error._tag === "ConfigParseError" ? refuse(syntaxDetail(error)) : error)),
      E.chain(checkFormatVersion(format.formatVersion, refuse)),
      E.chain(decodeWith(format.codec, `${format.what} (formatVersion ${format.formatVersion})`, source)),
    );

/** parseJson words its syntax error for config files; a document gets "not valid JSON at ...". */
const syntaxDetail = (error: PlugdepsError & { _tag: "ConfigParseError" }): string => {
  const detail = /not valid JSON5?: (.*?)\. Fix/s.exec(error.message)?.[1];
  return `not valid JSON at line ${error.line}, column ${error.column}${detail ? ` (${detail})` : ""}`;
};

const checkFormatVersion =
  (reads: number, refuse: (detail: string) => PlugdepsError) =>
  (input: unknown): E.Either<PlugdepsError, unknown> => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return E.left(refuse("expected a JSON object at the top level"));
    }
    if (!("formatVersion" in input)) {
      return E.left(refuse(`it has no formatVersion (this plugdeps reads formatVersion ${reads})`));
    }
    const version = input.formatVersion;
    if (version !== reads) {
      return E.left(
        refuse(
          `it has formatVersion ${JSON.stringify(version)}, but this plugdeps reads formatVersion ${reads} only`,
        ),
      );
    }
    return E.right(input);
  };

/** A document's format with its decode function (text in, the document or a DecodeError out) and renderer. */
export interface JsonDocument<A> extends DocumentFormat<A> {
  readonly decode: (text: string, source?: string) => E.Either<PlugdepsError, A>;
  readonly render: (document: A) => string;
}

const jsonDocument = <A>(
  codec: t.Type<A, unknown, unknown>,
  formatVersion: number,
  what: string,
): JsonDocument<A> => {
  const format = { codec, formatVersion, what };
  return {
    ...format,
    decode: (text, source = "<input>") =>
      decodeDocument(format, source, (detail) => documentInvalid(source, what, detail))(text),
    render: (document) => renderDocumentJson(codec, document),
  };
};

export const STATUS_DOCUMENT = jsonDocument(StatusDocument, STATUS_VIEW_FORMAT_VERSION, "status document");
export const APPLY_DOCUMENT = jsonDocument(ApplyDocument, APPLY_FORMAT_VERSION, "apply document");
export const DOCTOR_DOCUMENT = jsonDocument(DoctorReport, DOCTOR_FORMAT_VERSION, "doctor report");
export const RESOLVE_DOCUMENT = jsonDocument(ResolveDocument, RESOLVE_FORMAT_VERSION, "resolve document");
export const ROLLBACK_DOCUMENT = jsonDocument(RollbackDocument, ROLLBACK_FORMAT_VERSION, "rollback document");
/** `reconcile --once --json`, and the status record `<stage base>/.plugdeps/status.json`. */
export const RECONCILE_DOCUMENT = jsonDocument(
  ReconcileDocument,
  STATUS_FORMAT_VERSION,
  "reconcile status record",
);

// Read back: `source` names the text in errors (a file, `status --json`); printed: what the CLI prints.
export const { decode: decodeStatusJson, render: renderStatusJson } = STATUS_DOCUMENT;
export const { decode: decodeApplyJson, render: renderApplyJson } = APPLY_DOCUMENT;
export const { decode: decodeDoctorJson } = DOCTOR_DOCUMENT;
export const { decode: decodeResolveJson, render: renderResolveJson } = RESOLVE_DOCUMENT;
export const { decode: decodeRollbackJson, render: renderRollbackJson } = ROLLBACK_DOCUMENT;
export const { decode: decodeReconcileJson, render: renderReconcileJson } = RECONCILE_DOCUMENT;
