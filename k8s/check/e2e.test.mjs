// End to end without a cluster: the prod overlay's StatefulSet, as rendered, drives the
// real syndicated. Its init container's command and the container's command and args run
// as the kubelet would run them, with listen addresses rewritten to 127.0.0.1:0 and every
// absolute path moved under a temporary directory (everything else verbatim); the bound
// ports come from --ports-file. Then the probes are answered as the kubelet asks them
// (grpc.health.v1 Check on the probe port), /metrics is scraped where the pod's
// annotations say, a partner-style stream is opened, and termination goes as the kubelet
// does it: preStop, then SIGTERM, then the drain, all within the grace period.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { find, render } from "./manifests.mjs";

const build = process.env.SYNDICATE_BUILD_DIR;
const binaries = {
  "/usr/bin/syndicated": build && path.join(build, "server/syndicated"),
  "/usr/bin/syndicate": build && path.join(build, "client/syndicate"),
};
const probeTool = build && path.join(build, "tests/grpc_health_probe");

// Where the container's absolute path `p` lives in this test.
const under = (root, p) => path.join(root, p);

// `--name=value` → [name, value]; anything else → [null, arg].
function splitFlag(arg) {
  const m = arg.match(/^--([a-z-]+)=(.*)$/);
  return m ? [m[1], m[2]] : [null, arg];
}

// The container's args, rewritten: listen addresses to 127.0.0.1:0, absolute paths under
// `root`. Returns the args and, per listen flag, the port it asked for.
function rewriteArgs(args, root) {
  const asked = {};
  const rewritten = args.map((arg) => {
    const [name, value] = splitFlag(arg);
    if (name === null) return arg;
    if (name === "listen" || name.endsWith("-listen")) {
      asked[name] = Number(value.slice(value.lastIndexOf(":") + 1));
      return `--${name}=127.0.0.1:0`;
    }
    if (value.startsWith("/")) return `--${name}=${under(root, value)}`;
    return arg;
  });
  return { rewritten, asked };
}

// A config file (name=value lines) with absolute paths in quoted values moved under root.
const rewriteConfig = (text, root) =>
  text.replace(/^([a-z-]+)="(\/[^"]*)"$/gm, (_, name, p) => `${name}="${under(root, p)}"`);

// The kubelet's gRPC probe: one Check with the probe's timeout. True for SERVING.
function probe(address, spec) {
  const result = spawnSync(
    probeTool,
    [address, spec.grpc.service ?? "", String(spec.timeoutSeconds ?? 1)],
    { encoding: "utf8" },
  );
  return { serving: result.status === 0, said: result.stdout.trim() };
}

// Waits (bounded) until `file` holds `lines` lines.
async function waitForLines(file, lines, child) {
  for (let i = 0; i < 600; i++) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8").trim().split("\n");
      if (text.length >= lines) return text;
    }
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before writing ${file}`);
    await sleep(50);
  }
  throw new Error(`${file} never had ${lines} lines`);
}

const exited = (child) =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.on("exit", (code) => r(code)));

test("prod StatefulSet: probes, metrics, then preStop, SIGTERM and the drain within the grace period", async (t) => {
  assert.ok(build, "SYNDICATE_BUILD_DIR names the build (run.sh sets it)");
  for (const file of [...Object.values(binaries), probeTool]) assert.ok(existsSync(file), `${file} is built`);

  const objects = render("overlays/prod");
  const statefulSet = find(objects, "StatefulSet", "syndicated");
  const pod = statefulSet.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "syndicated");
  const configMap = find(objects, "ConfigMap");
  const root = mkdtempSync(path.join(os.tmpdir(), "syndicate-e2e-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));

  // The volumes, as the kubelet would mount them: the ConfigMap's files, the Secrets'
  // keys (made here, as an operator would), empty directories for the rest.
  const mounts = [...(pod.initContainers ?? []).flatMap((c) => c.volumeMounts), ...container.volumeMounts];
  for (const mount of mounts) mkdirSync(under(root, mount.mountPath), { recursive: true });
  const mountOf = (volumeName) => container.volumeMounts.find((m) => m.name === volumeName)?.mountPath;
  const adminKey = `sk_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`;
  const secretFiles = {
    "syndicated-admin-key": { "admin-key": `${adminKey}\n` },
    "syndicated-signing-key": { "signing-key": `${randomBytes(32).toString("base64")}\n` },
  };
  // TLS on the API port in prod: a certificate for 127.0.0.1, made now.
  const tlsDir = mkdtempSync(path.join(root, "tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-days", "1", "-subj", "/CN=syndicated", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", path.join(tlsDir, "tls.key"), "-out", path.join(tlsDir, "tls.crt"),
  ], { stdio: "ignore" });
  secretFiles["syndicated-tls"] = {
    "tls.crt": readFileSync(path.join(tlsDir, "tls.crt"), "utf8"),
    "tls.key": readFileSync(path.join(tlsDir, "tls.key"), "utf8"),
  };
  for (const volume of pod.volumes) {
    const mountPaths = mounts.filter((m) => m.name === volume.name).map((m) => m.mountPath);
    let files = {};
    if (volume.configMap) {
      assert.equal(volume.configMap.name, configMap.metadata.name);
      files = Object.fromEntries(
        Object.entries(configMap.data).map(([k, v]) => [k, rewriteConfig(v, root)]),
      );
    } else if (volume.secret) {
      files = secretFiles[volume.secret.secretName];
      assert.ok(files, `a Secret ${volume.secret.secretName} for the test`);
    }
    for (const mountPath of mountPaths) {
      for (const [name, content] of Object.entries(files)) {
        // Secret volumes with fsGroup: group-readable, as the kubelet leaves them.
        writeFileSync(under(root, path.join(mountPath, name)), content, { mode: volume.secret ? 0o440 : 0o644 });
      }
    }
  }

  // Init containers, in order, with absolute paths moved under the root.
  for (const init of pod.initContainers ?? []) {
    const command = [...init.command, ...(init.args ?? [])].map((part) =>
      part.replace(/(^|\s)(\/(?:etc|run|var|tmp)\/[^\s]*)/g, (_, space, p) => `${space}${under(root, p)}`),
    );
    const ran = spawnSync(command[0], command.slice(1), { encoding: "utf8" });
    assert.equal(ran.status, 0, `init container ${init.name}: ${ran.stderr}`);
  }

  // The container.
  const [binary, ...commandArgs] = container.command;
  assert.ok(binaries[binary], `the image's ${binary}`);
  const { rewritten, asked } = rewriteArgs([...commandArgs, ...(container.args ?? [])], root);
  const portsFile = path.join(root, "ports");
  const child = spawn(binaries[binary], [...rewritten, `--ports-file=${portsFile}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  t.after(() => child.exitCode === null && child.kill("SIGKILL"));

  // Bound addresses by the port each listen flag asked for.
  const lines = await waitForLines(portsFile, 3, child);
  const bound = {};
  bound[asked.listen] = lines[0];
  for (const line of lines.slice(1)) {
    const [kind, address] = line.split(" ");
    bound[asked[`${kind}-listen`]] = address;
  }
  for (const port of container.ports) {
    assert.ok(bound[port.containerPort], `containerPort ${port.name} ${port.containerPort} is served`);
  }
  const at = (port) => {
    assert.ok(bound[port], `port ${port} is one the binary listens on`);
    return bound[port];
  };

  // Startup first (the others wait for it), then liveness and readiness.
  const startup = container.startupProbe;
  let started = false;
  for (let i = 0; i < startup.failureThreshold && !started; i++) {
    started = probe(at(startup.grpc.port), startup).serving;
    if (!started) await sleep(1000);
  }
  assert.ok(started, "the startup probe passed");
  assert.deepEqual(probe(at(container.livenessProbe.grpc.port), container.livenessProbe), { serving: true, said: "SERVING" });
  assert.deepEqual(probe(at(container.readinessProbe.grpc.port), container.readinessProbe), { serving: true, said: "SERVING" });

  // Metrics where the pod's annotations point a scraper.
  const annotations = statefulSet.spec.template.metadata.annotations;
  const metricsUrl = `http://${at(Number(annotations["prometheus.io/port"]))}${annotations["prometheus.io/path"]}`;
  const metrics = await (await fetch(metricsUrl)).text();
  for (const family of [
    "grpc_server_started_total", "grpc_server_handled_total", "grpc_server_handling_seconds",
    "syndicate_open_streams", "syndicate_feed_head_sequence", "syndicate_partner_deliveries_total",
    "syndicate_publishes_total", "syndicate_embargo_queue_length", "syndicate_feed_poller_errors_total",
    "syndicate_rocksdb_sst_bytes", "syndicate_rocksdb_pending_compaction_bytes",
  ]) {
    assert.match(metrics, new RegExp(`^# TYPE ${family} `, "m"), `/metrics has ${family}`);
  }

  // A live stream over TLS, with the admin key the init container put in place.
  const adminKeyFile = under(root, "/run/syndicate/keys/admin-key");
  assert.equal(readFileSync(adminKeyFile, "utf8").trim(), adminKey);
  const stream = spawn(binaries["/usr/bin/syndicate"], ["stream", "--from=now"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      SYNDICATE_SERVER: lines[0],
      SYNDICATE_API_KEY_FILE: adminKeyFile,
      SYNDICATE_TLS_CA: path.join(tlsDir, "tls.crt"),
    },
  });
  t.after(() => stream.exitCode === null && stream.kill("SIGKILL"));
  let streamOut = "";
  stream.stdout.on("data", (chunk) => { streamOut += chunk; });
  for (let i = 0; i < 600 && !streamOut.includes("caughtUp"); i++) await sleep(50);
  assert.match(streamOut, /caughtUp/, "the stream is live");

  // Termination: preStop runs to completion, then SIGTERM; SIGKILL would come at the end
  // of the grace period, counted from the start of preStop.
  const terminationStart = Date.now();
  const preStop = container.lifecycle.preStop.exec.command;
  const paused = spawnSync(preStop[0], preStop.slice(1));
  assert.equal(paused.status, 0, "preStop ran");
  child.kill("SIGTERM");
  // The kubelet keeps asking readiness while the pod terminates.
  const readinessAfterTerm = [];
  while (child.exitCode === null) {
    readinessAfterTerm.push(probe(at(container.readinessProbe.grpc.port), container.readinessProbe).serving);
    await sleep(20);
  }
  const exitCode = await exited(child);
  const seconds = (Date.now() - terminationStart) / 1000;
  stream.kill("SIGTERM");

  assert.equal(exitCode, 0);
  assert.ok(seconds < pod.terminationGracePeriodSeconds,
    `preStop + drain took ${seconds} s, within terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds}`);
  // Once readiness failed, it never came back.
  const firstFailure = readinessAfterTerm.indexOf(false);
  if (firstFailure >= 0) assert.ok(!readinessAfterTerm.slice(firstFailure).includes(true));

  // The log: JSON lines, the drain in order, the stream ended UNAVAILABLE, no key.
  const log = stderr.trim().split("\n").map((line) => JSON.parse(line));
  // The secret is everything after the key id: base64url has "_" in it too, so a split on
  // "_" would check a fragment of it (empty when the secret starts with "_").
  const adminSecret = adminKey.slice(`sk_${"0".repeat(16)}_`.length);
  assert.equal(adminSecret.length, 43);
  assert.ok(!stderr.includes(adminSecret), "the admin key's secret is not logged");
  const steps = log
    .filter((l) => l.msg === "shutting down" || l.msg === "drain" || l.msg === "stopped")
    .map((l) => (l.msg === "drain" ? l.step : l.msg));
  assert.deepEqual(steps, [
    "shutting down",
    "readiness NOT_SERVING",
    "feed polling stopped",
    "new streams refused, open streams ending with their resume cursor",
    "calls finished or cancelled",
    "store flushed",
    "stopped",
  ]);
  // The stream ended UNAVAILABLE (with its resume cursor, which the client library reads)
  // after readiness went NOT_SERVING and before gRPC's shutdown finished. (Its line and the
  // "new streams refused" line are written by different threads, in either order.)
  const index = (predicate) => log.findIndex(predicate);
  const streamEnd = index((l) => l.msg === "rpc" && l.method.endsWith("/StreamArticles"));
  assert.equal(log[streamEnd]?.code, "UNAVAILABLE");
  assert.ok(streamEnd > index((l) => l.step === "readiness NOT_SERVING"));
  assert.ok(streamEnd < index((l) => l.step === "calls finished or cancelled"));
});
