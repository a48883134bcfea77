import { describe, expect, it } from "vitest";
import { split } from "../../src/tracking/artifacts.ts";
import { MlflowError } from "../../src/tracking/mlflow-error.ts";

// Artifact paths as MLflow's proxy names them: `<experiment>/<run>/artifacts/<path>` and
// `<experiment>/models/<model id>/artifacts/<path>`, and a path that cannot leave the folder.

const RUN = "0123456789abcdef0123456789abcdef";
const MODEL = `m-${RUN}`;

describe("artifact proxy paths", () => {
  it("name the run and the path below its root", () => {
    expect(split(`12/${RUN}/artifacts/model/MLmodel`)).toEqual({ runId: RUN, path: "model/MLmodel" });
    expect(split(`12/${RUN}/artifacts`)).toEqual({ runId: RUN, path: "" });
    expect(split(`12/${RUN}/artifacts/`)).toEqual({ runId: RUN, path: "" });
  });

  it("refuse dot parts, empty parts, backslashes and control characters", () => {
    for (const bad of ["..", "a/../b", ".", "a/./b", "a//b", "a\\b", "a\u0000b", "a\nb", "x".repeat(1025)]) {
      expect(() => split(`12/${RUN}/artifacts/${bad}`), JSON.stringify(bad)).toThrow(MlflowError);
    }
  });

  it("refuse anything that is not a run's artifact folder", () => {
    for (const bad of ["", "12", `12/${RUN}`, `12/${RUN}/other/x`, "12/not-a-run/artifacts/x", `12/${RUN.toUpperCase()}/artifacts/x`]) {
      expect(() => split(bad), bad).toThrow(/No artifact location/);
    }
  });

  it("name a logged model's folder and the path below it, under the same rules", () => {
    expect(split(`12/models/${MODEL}/artifacts/MLmodel`)).toEqual({ modelId: MODEL, path: "MLmodel" });
    expect(split(`12/models/${MODEL}/artifacts/`)).toEqual({ modelId: MODEL, path: "" });
    for (const bad of ["..", "a/../b", "a//b", "a\\b"]) {
      expect(() => split(`12/models/${MODEL}/artifacts/${bad}`), JSON.stringify(bad)).toThrow(MlflowError);
    }
    for (const bad of [`12/models/${RUN}/artifacts/x`, `12/models/${MODEL}/x`, `12/model/${MODEL}/artifacts/x`, `12/models/${MODEL.toUpperCase()}/artifacts/x`]) {
      expect(() => split(bad), bad).toThrow(/No artifact location/);
    }
  });
});
