// The rules every overlay's StatefulSet and its companions must keep: probes the kubelet
// can run against the health port, a locked-down pod, a disruption budget, a grace period
// that outlasts preStop plus the drain, and a network policy that denies by default.
import assert from "node:assert/strict";
import { test } from "node:test";

import { find, overlays, render } from "./manifests.mjs";

// syndicated lets unary calls in flight finish for this long after SIGTERM (server/main.cc),
// then flushes RocksDB.
const kDrainSeconds = 10;
const kGrpcPort = 50051;
const kHealthPort = 8081;
const kMetricsPort = 9090;

function flag(args, name) {
  const prefix = `--${name}=`;
  const found = args.filter((a) => a.startsWith(prefix));
  assert.equal(found.length, 1, `exactly one ${prefix} in args`);
  return found[0].slice(prefix.length);
}

function checkContainerSecurity(container) {
  const sc = container.securityContext;
  assert.ok(sc, `${container.name}: securityContext`);
  assert.equal(sc.allowPrivilegeEscalation, false, `${container.name}: allowPrivilegeEscalation`);
  assert.equal(sc.readOnlyRootFilesystem, true, `${container.name}: readOnlyRootFilesystem`);
  assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${container.name}: capabilities.drop`);
  assert.equal(sc.privileged ?? false, false, `${container.name}: privileged`);
  assert.deepEqual(sc.capabilities?.add ?? [], [], `${container.name}: capabilities.add`);
  assert.ok(container.resources?.requests?.memory, `${container.name}: memory request`);
  assert.ok(container.resources?.limits?.memory, `${container.name}: memory limit`);
}

for (const dir of overlays) {
  const objects = render(dir);
  const statefulSet = find(objects, "StatefulSet", "syndicated");
  const pod = statefulSet.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "syndicated");

  test(`${dir}: one replica with its RocksDB on a volume claim`, () => {
    assert.equal(statefulSet.spec.replicas, 1);
    const claim = statefulSet.spec.volumeClaimTemplates.find((c) => c.metadata.name === "data");
    assert.ok(claim, "volumeClaimTemplates has data");
    const mount = container.volumeMounts.find((m) => m.name === "data");
    assert.equal(mount.mountPath, "/var/lib/syndicate");
    assert.ok(flag(container.args, "data-dir").startsWith("/var/lib/syndicate/"));
  });

  test(`${dir}: probes are native gRPC on the numeric health port`, () => {
    assert.equal(flag(container.args, "health-listen"), `0.0.0.0:${kHealthPort}`);
    const healthPort = container.ports.find((p) => p.containerPort === kHealthPort);
    assert.ok(healthPort, "the health port is a containerPort");
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const spec = container[probe];
      assert.ok(spec, probe);
      assert.deepEqual(Object.keys(spec).filter((k) => ["exec", "httpGet", "tcpSocket", "grpc"].includes(k)), ["grpc"], `${probe} is grpc only`);
      assert.equal(typeof spec.grpc.port, "number", `${probe}.grpc.port is numeric (grpc probes take no port names)`);
      assert.equal(spec.grpc.port, kHealthPort, `${probe} asks the health port`);
    }
    assert.equal(container.livenessProbe.grpc.service ?? "", "", "liveness asks the overall service");
    assert.equal(container.startupProbe.grpc.service ?? "", "", "startup asks the overall service");
    assert.equal(container.readinessProbe.grpc.service, "syndication.v1.SyndicationService");
  });

  test(`${dir}: API, health and metrics ports are declared and listened on`, () => {
    assert.equal(flag(container.args, "listen"), `0.0.0.0:${kGrpcPort}`);
    assert.equal(flag(container.args, "metrics-listen"), `0.0.0.0:${kMetricsPort}`);
    const ports = container.ports.map((p) => p.containerPort).sort();
    assert.deepEqual(ports, [kGrpcPort, kMetricsPort, kHealthPort].sort());
  });

  test(`${dir}: the pod runs locked down`, () => {
    const sc = pod.securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.ok(sc.runAsUser > 0, "runAsUser is not root");
    assert.ok(sc.fsGroup > 0, "fsGroup set, so the volume is writable");
    assert.equal(sc.seccompProfile?.type, "RuntimeDefault");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.hostNetwork ?? false, false);
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) checkContainerSecurity(c);
    const tmp = container.volumeMounts.find((m) => m.mountPath === "/tmp");
    assert.ok(tmp, "/tmp is mounted");
    assert.ok(pod.volumes.find((v) => v.name === tmp.name).emptyDir, "/tmp is an emptyDir");
  });

  test(`${dir}: the grace period outlasts preStop and the drain`, () => {
    const command = container.lifecycle?.preStop?.exec?.command;
    assert.ok(command, "a preStop pause");
    assert.equal(command.at(-2).endsWith("sleep"), true, "preStop sleeps");
    const pause = Number(command.at(-1));
    assert.ok(pause > 0, "preStop pause is a number of seconds");
    assert.ok(pod.terminationGracePeriodSeconds > pause + kDrainSeconds,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} > ${pause} + ${kDrainSeconds}`);
  });

  test(`${dir}: a disruption budget of one`, () => {
    const pdb = find(objects, "PodDisruptionBudget");
    assert.equal(pdb.spec.maxUnavailable, 1);
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) {
      assert.equal(pod.metadata?.labels?.[k] ?? statefulSet.spec.template.metadata.labels[k], v);
    }
  });

  test(`${dir}: network policy denies by default and admits the three ports`, () => {
    const policies = objects.filter((o) => o.kind === "NetworkPolicy");
    const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0);
    assert.ok(deny, "a policy selecting every pod");
    assert.deepEqual([...deny.spec.policyTypes].sort(), ["Egress", "Ingress"]);
    assert.equal(deny.spec.ingress, undefined);
    assert.equal(deny.spec.egress, undefined);
    const admitted = policies
      .filter((p) => p !== deny)
      .flatMap((p) => p.spec.ingress ?? [])
      .flatMap((rule) => rule.ports ?? [])
      .map((p) => p.port)
      .sort();
    assert.deepEqual(admitted, [kGrpcPort, kMetricsPort, kHealthPort].sort());
  });

  test(`${dir}: egress only for DNS and feeds on public addresses`, () => {
    const egress = objects
      .filter((o) => o.kind === "NetworkPolicy")
      .flatMap((p) => p.spec.egress ?? []);
    const ports = egress.flatMap((rule) => (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
    assert.deepEqual(ports.sort(), ["TCP/443", "TCP/53", "TCP/80", "UDP/53"]);
    for (const rule of egress) {
      if (!(rule.ports ?? []).some((p) => p.port === 80 || p.port === 443)) continue;
      assert.ok(rule.to?.length > 0, "HTTP(S) egress names its destinations");
      for (const peer of rule.to) {
        for (const blocked of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]) {
          assert.ok(peer.ipBlock?.except?.includes(blocked), `feeds never reach ${blocked}`);
        }
      }
    }
  });

  test(`${dir}: headless and ClusterIP Services; the ConfigMap and Secrets are used`, () => {
    const services = objects.filter((o) => o.kind === "Service");
    assert.ok(services.some((s) => s.spec.clusterIP === "None"), "a headless Service");
    assert.ok(services.some((s) => (s.spec.type ?? "ClusterIP") === "ClusterIP" && s.spec.clusterIP !== "None"));
    assert.equal(statefulSet.spec.serviceName, services.find((s) => s.spec.clusterIP === "None").metadata.name);
    const configMap = find(objects, "ConfigMap");
    assert.ok(pod.volumes.some((v) => v.configMap?.name === configMap.metadata.name));
    const secrets = pod.volumes.filter((v) => v.secret).map((v) => v.secret.secretName).sort();
    assert.deepEqual(secrets, ["syndicated-admin-key", "syndicated-signing-key", "syndicated-tls"]);
  });
}
