// The rules every overlay's StatefulSet and its companions must keep: probes the kubelet
// can run against the health port, a locked-down pod, a disruption budget, a grace period
// that outlasts preStop plus the drain, and a network policy that denies by default. The
// mode (the ConfigMap's `log`) decides the rest: one replica owning its store (embedded),
// or several on different nodes following one JetStream stream, which they reach and
// nothing else of NATS (jetstream).
import assert from "node:assert/strict";
import { test } from "node:test";

import { confFlags, find, overlays, render } from "./manifests.mjs";

// syndicated lets unary calls in flight finish for this long after SIGTERM (server/main.cc),
// then flushes RocksDB.
const kDrainSeconds = 10;
const kGrpcPort = 50051;
const kHealthPort = 8081;
const kMetricsPort = 9090;
const kNatsClientPort = 4222;
// The flags that only mean something with log=jetstream.
const kJetStreamFlags = ["nats-url", "nats-stream", "nats-replicas", "nats-creds", "max-replica-lag"];

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

// The files the init containers write, each with the file it copies: `install -m 0600 SRC
// DEST` in their shell commands, as a Map from DEST to { container, source }.
function installedFiles(pod) {
  const files = new Map();
  for (const c of pod.initContainers ?? []) {
    for (const m of (c.command ?? []).join(" ").matchAll(/install -m 0600 (\S+) (\S+)/g)) {
      files.set(m[2], { container: c, source: m[1] });
    }
  }
  return files;
}

// The volume mounted in `container` at the longest mount path holding `file`, or undefined.
function volumeHolding(pod, container, file) {
  const mount = (container.volumeMounts ?? [])
    .filter((m) => file.startsWith(`${m.mountPath.replace(/\/$/, "")}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return mount && pod.volumes.find((v) => v.name === mount.name);
}

for (const dir of overlays) {
  const objects = render(dir);
  const statefulSet = find(objects, "StatefulSet", "syndicated");
  const pod = statefulSet.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "syndicated");
  const conf = confFlags(find(objects, "ConfigMap").data["syndicated.conf"]);
  const mode = conf.get("log") ?? "embedded";

  test(`${dir}: the log mode is embedded or jetstream, and only jetstream has NATS flags`, () => {
    assert.ok(["embedded", "jetstream"].includes(mode), `log="${mode}"`);
    for (const name of kJetStreamFlags) {
      assert.equal(container.args.some((a) => a.startsWith(`--${name}=`)), false,
        `--${name} belongs in syndicated.conf`);
      if (mode === "jetstream") continue;
      assert.equal(conf.has(name), false, `${name} without log="jetstream"`);
    }
  });

  test(`${dir}: ${mode === "embedded" ? "one replica" : "replicas, each"} with its RocksDB on a volume claim`, () => {
    if (mode === "embedded") {
      assert.equal(statefulSet.spec.replicas, 1, "the embedded store is one process's");
    } else {
      assert.ok(statefulSet.spec.replicas >= 2, `replicas ${statefulSet.spec.replicas}: a node's loss leaves one`);
    }
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

  test(`${dir}: egress only for DNS${mode === "jetstream" ? ", NATS" : ""} and feeds on public addresses`, () => {
    const egress = objects
      .filter((o) => o.kind === "NetworkPolicy")
      .flatMap((p) => p.spec.egress ?? []);
    const ports = egress.flatMap((rule) => (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
    const nats = mode === "jetstream" ? [`TCP/${kNatsClientPort}`] : [];
    assert.deepEqual(ports.sort(), ["TCP/443", "TCP/53", "TCP/80", "UDP/53", ...nats].sort());
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

  test(`${dir}: every key file a flag names is an owner-only copy of its Secret`, () => {
    const keyFiles = {
      "admin-key-file": { path: flag(container.args, "admin-key-file"), secret: "syndicated-admin-key" },
      // One Secret for every replica: a story is signed once, by the replica that took it.
      "signing-key-file": { path: flag(container.args, "signing-key-file"), secret: "syndicated-signing-key" },
    };
    if (mode === "jetstream") {
      keyFiles["nats-creds"] = { path: conf.get("nats-creds"), secret: "syndicated-nats-creds" };
    }
    const installed = installedFiles(pod);
    for (const [name, { path, secret }] of Object.entries(keyFiles)) {
      assert.ok(path, `${name} is set`);
      const copy = installed.get(path);
      assert.ok(copy, `an init container writes ${name} ${path}`);
      assert.ok(volumeHolding(pod, container, path)?.emptyDir?.medium === "Memory",
        `${path} is in a memory emptyDir of the container`);
      const from = volumeHolding(pod, copy.container, copy.source);
      assert.equal(from?.secret?.secretName, secret, `${name} is copied from the Secret ${secret}`);
      assert.equal(from.secret.optional ?? false, false, `${secret} is not optional: ${name} is set`);
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
    const natsCreds = mode === "jetstream" ? ["syndicated-nats-creds"] : [];
    assert.deepEqual(secrets, ["syndicated-admin-key", "syndicated-signing-key", "syndicated-tls", ...natsCreds].sort());
  });

  if (mode !== "jetstream") continue;

  test(`${dir}: the JetStream log's flags`, () => {
    const urls = (conf.get("nats-url") ?? "").split(",");
    for (const url of urls) assert.match(url, /^(nats|tls):\/\/[\w.-]+:\d+$/, "nats-url");
    assert.match(conf.get("nats-stream") ?? "SYNDICATE", /^[\w-]+$/, "nats-stream");
    const copies = Number(conf.get("nats-replicas") ?? 1);
    assert.ok(Number.isInteger(copies) && copies >= 1 && copies <= 5, `nats-replicas ${copies}`);
    assert.ok(copies >= 3, "each entry kept on 3 NATS servers, so that one may be lost");
    const lag = Number(conf.get("max-replica-lag") ?? 1000);
    assert.ok(Number.isInteger(lag) && lag >= 0 && lag <= 1e9, `max-replica-lag ${lag}`);
  });

  test(`${dir}: replicas are spread over nodes and start independently`, () => {
    const spread = (pod.topologySpreadConstraints ?? []).find((c) => c.topologyKey === "kubernetes.io/hostname");
    assert.ok(spread, "a topology spread constraint over kubernetes.io/hostname");
    assert.equal(spread.maxSkew, 1);
    assert.equal(spread.whenUnsatisfiable, "DoNotSchedule");
    for (const [k, v] of Object.entries(spread.labelSelector.matchLabels)) {
      assert.equal(statefulSet.spec.template.metadata.labels[k], v, `spread selects the pods by ${k}`);
    }
    assert.equal(statefulSet.spec.podManagementPolicy, "Parallel", "a replica rebuilding holds none back");
    const pdb = find(objects, "PodDisruptionBudget");
    assert.ok(pdb.spec.maxUnavailable < statefulSet.spec.replicas, "a drain leaves replicas serving");
  });

  test(`${dir}: egress to NATS reaches only the client port of NATS's pods, where nats-url points`, () => {
    const rules = objects
      .filter((o) => o.kind === "NetworkPolicy")
      .flatMap((p) => p.spec.egress ?? [])
      .filter((rule) => (rule.ports ?? []).some((p) => p.port === kNatsClientPort));
    assert.equal(rules.length, 1, "one egress rule for NATS");
    assert.deepEqual(rules[0].ports, [{ protocol: "TCP", port: kNatsClientPort }]);
    assert.ok(rules[0].to?.length > 0, "the NATS rule names its destinations");
    const namespaces = new Set();
    for (const peer of rules[0].to) {
      assert.equal(peer.ipBlock, undefined, "NATS by its pods, not by address");
      assert.equal(peer.podSelector?.matchLabels?.["app.kubernetes.io/name"], "nats", "NATS's pods");
      const ns = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
      assert.ok(ns, "NATS's namespace, by name");
      namespaces.add(ns);
    }
    for (const url of conf.get("nats-url").split(",")) {
      const [, host, port] = /^\w+:\/\/([^:]+):(\d+)$/.exec(url);
      assert.equal(Number(port), kNatsClientPort, `${url}: the client port`);
      assert.ok(namespaces.has(host.split(".")[1]), `${url}: in a namespace the policy admits`);
    }
  });
}
