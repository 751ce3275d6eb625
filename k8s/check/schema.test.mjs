// Every rendered object of every overlay is a valid Kubernetes object with no key its API
// type lacks.
import assert from "node:assert/strict";
import { test } from "node:test";

import { find, overlays, render, schemaErrors, unknownKeys } from "./manifests.mjs";

for (const dir of overlays) {
  test(`${dir}: every object matches its API schema`, async () => {
    const objects = render(dir);
    assert.ok(objects.length >= 8, `${dir} rendered only ${objects.length} objects`);
    for (const object of objects) {
      assert.deepEqual(await schemaErrors(object), [], `${object.kind}/${object.metadata.name}`);
    }
  });

  test(`${dir}: no object has a key its API type lacks`, () => {
    for (const object of render(dir)) assert.deepEqual(unknownKeys(object), []);
  });
}

// The checks above must be able to fail.
test("a wrongly typed field fails the schema check", async () => {
  const statefulSet = structuredClone(find(render("base"), "StatefulSet"));
  statefulSet.spec.replicas = "one";
  assert.notDeepEqual(await schemaErrors(statefulSet), []);
});

test("a misspelt or misplaced key is reported with its path", () => {
  const statefulSet = structuredClone(find(render("base"), "StatefulSet"));
  const container = statefulSet.spec.template.spec.containers[0];
  container.livenesProbe = container.livenessProbe;
  container.readinessProbe.grpc.serviceName = "x";
  statefulSet.spec.template.metadata.labels.anything = "labels are free-form";
  statefulSet.spec.volumeClaimTemplates[0].spec.size = "20Gi";
  assert.deepEqual(unknownKeys(statefulSet), [
    "StatefulSet/syndicated.spec.template.spec.containers[0].readinessProbe.grpc.serviceName",
    "StatefulSet/syndicated.spec.template.spec.containers[0].livenesProbe",
    "StatefulSet/syndicated.spec.volumeClaimTemplates[0].spec.size",
  ]);
});
