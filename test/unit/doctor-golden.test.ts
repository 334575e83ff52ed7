import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { DoctorReport, renderDoctorJson } from "../../src/model/doctor.js";
import { renderDoctorHuman } from "../../src/render/doctor-human.js";
import { makeStyle, plainStyle } from "../../src/render/style.js";
import { goldenDoctorReports, problems } from "../golden/doctor-reports.js";
import { matchGolden } from "../support/golden.js";

/**
 * Golden files for the doctor renderers (test/golden/doctor-*.txt, doctor-problems.json).
 * `UPDATE_GOLDEN=1 npx vitest run test/unit/doctor-golden` rewrites them; review the diff.
 */

describe("doctor golden files", () => {
  for (const [name, report] of Object.entries(goldenDoctorReports)) {
    it(`${name}: human`, () => matchGolden(`${name}.txt`, renderDoctorHuman(report, plainStyle)));
  }
  it("doctor-problems: json", () => matchGolden("doctor-problems.json", renderDoctorJson(problems)));
});

describe("doctor renderers", () => {
  it("the JSON decodes with the codec it was written from", () => {
    for (const report of Object.values(goldenDoctorReports)) {
      const decoded = DoctorReport.decode(JSON.parse(renderDoctorJson(report)));
      expect(E.isRight(decoded)).toBe(true);
      if (E.isRight(decoded)) expect(decoded.right).toEqual(report);
    }
  });

  it("colors only when asked, and the colored text is the plain text plus escape codes", () => {
    const colored = renderDoctorHuman(problems, makeStyle({ color: true }));
    expect(colored).toContain("\u001b[31m");
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\u001b\[\d+m/g, "")).toBe(renderDoctorHuman(problems, plainStyle));
  });

  it("leaves the fix log out when the command streamed it", () => {
    const fixed = goldenDoctorReports["doctor-fixed"];
    if (fixed === undefined) throw new Error("no doctor-fixed report");
    expect(renderDoctorHuman(fixed, plainStyle)).toContain("Fix log:");
    expect(renderDoctorHuman(fixed, plainStyle, { log: false })).not.toContain("Fix log:");
  });
});
