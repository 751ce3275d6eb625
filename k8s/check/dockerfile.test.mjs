// k8s/Dockerfile has the shape the manifests rely on, and its runtime stage installs
// exactly the Debian packages of the shared libraries syndicated and syndicate link (as
// ldd resolves them on this Debian 12 machine), less those debian:12-slim always has.
// No image is built: there is no container engine in CI.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { find, k8sDir, render } from "./manifests.mjs";

// Instructions with their arguments, continuation lines joined, comments dropped.
function instructions(text) {
  const joined = text.replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const space = line.indexOf(" ");
      return { op: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

const dockerfile = instructions(readFileSync(path.join(k8sDir, "Dockerfile"), "utf8"));
const stages = [];
for (const instruction of dockerfile) {
  if (instruction.op === "FROM") stages.push({ from: instruction.args, steps: [] });
  else stages.at(-1).steps.push(instruction);
}

// Packages the runtime stage's `apt-get install` names.
function runtimePackages() {
  const runs = stages.at(-1).steps.filter((s) => s.op === "RUN" && /apt-get install/.test(s.args));
  assert.equal(runs.length, 1, "one apt-get install in the runtime stage");
  const words = runs[0].args.split(/\s+/);
  const start = words.indexOf("install") + 1;
  const packages = [];
  for (const word of words.slice(start)) {
    if (word === "&&") break;
    if (!word.startsWith("-")) packages.push(word);
  }
  return packages.sort();
}

function shell(command, args) {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

// The Debian packages that own the libraries `binary` loads.
function linkedPackages(binary) {
  const libraries = shell("ldd", [binary])
    .split("\n")
    .map((line) => line.match(/=> (\/\S+)/)?.[1])
    .filter(Boolean);
  assert.ok(!/not found/.test(shell("ldd", [binary])), `${binary}: every library resolves`);
  const packages = new Set();
  for (const library of libraries) {
    // dpkg knows a file by the path its package installed it at: with /usr merged, /lib/…
    // and /usr/lib/… are one file under two names, and a symlink's target may be the one
    // dpkg has.
    const real = shell("realpath", [library]).trim();
    const names = new Set();
    for (const name of [library, real]) {
      names.add(name);
      names.add(name.startsWith("/usr/") ? name.slice(4) : `/usr${name}`);
    }
    const owner = [...names]
      .map((name) => spawnSync("dpkg-query", ["-S", name], { encoding: "utf8" }))
      .find((result) => result.status === 0);
    assert.ok(owner, `${library}: no Debian package owns it`);
    packages.add(owner.stdout.split(":")[0]);
  }
  return packages;
}

// What every Debian image has, debian:12-slim included: the Essential and Priority
// "required" packages and everything they depend on, as installed on this machine.
function minimalBase() {
  const installed = new Map();
  for (const line of shell("dpkg-query", [
    "-W", "-f=${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\n",
  ]).split("\n")) {
    const [status, name, essential, priority, depends] = line.split("\t");
    if (!status?.startsWith("ii")) continue;
    installed.set(name, { root: essential === "yes" || priority === "required", depends });
  }
  const base = new Set();
  const queue = [...installed].filter(([, p]) => p.root).map(([name]) => name);
  while (queue.length > 0) {
    const name = queue.pop();
    if (base.has(name) || !installed.has(name)) continue;
    base.add(name);
    for (const clause of installed.get(name).depends.split(",")) {
      // "a (>= 1) | b": the first alternative that is installed.
      const choice = clause
        .split("|")
        .map((alternative) => alternative.trim().split(/[\s(:]/)[0])
        .find((alternative) => installed.has(alternative));
      if (choice) queue.push(choice);
    }
  }
  return base;
}

test("two stages: a Debian 12 build stage that runs install-deps, a debian:12-slim runtime", () => {
  assert.equal(stages.length, 2);
  assert.match(stages[0].from, /^debian:12 AS build$/i);
  assert.equal(stages[1].from, "debian:12-slim");
  const runs = stages[0].steps.filter((s) => s.op === "RUN").map((s) => s.args);
  assert.ok(runs.some((r) => r.startsWith("scripts/install-deps.sh")), "build stage reuses install-deps.sh");
  assert.ok(runs.some((r) => /ninja .*syndicated syndicate/.test(r)), "builds both binaries");
});

test("the runtime stage runs as the non-root user the pod names, data under /var/lib/syndicate", () => {
  const runtime = stages[1].steps;
  const user = runtime.filter((s) => s.op === "USER").at(-1)?.args;
  assert.ok(user, "a USER");
  const [uid, gid] = user.split(":").map(Number);
  assert.ok(uid > 0 && gid > 0, `USER ${user} is numeric and not root`);
  const pod = find(render("base"), "StatefulSet").spec.template.spec;
  assert.equal(pod.securityContext.runAsUser, uid);
  assert.equal(pod.securityContext.fsGroup, gid);
  assert.ok(runtime.some((s) => s.op === "VOLUME" && s.args === "/var/lib/syndicate"));
  assert.ok(runtime.some((s) => s.op === "RUN" && s.args.includes("install -d -o 10001 -g 10001")));
  const copied = runtime.find((s) => s.op === "COPY").args;
  assert.match(copied, /--from=build .*syndicated .*syndicate \/usr\/bin\/$/);
  // The StatefulSet runs what the image installs.
  const container = pod.containers.find((c) => c.name === "syndicated");
  assert.deepEqual(container.command, ["/usr/bin/syndicated"]);
});

test("the runtime packages are exactly those of the libraries the binaries link", () => {
  const build = process.env.SYNDICATE_BUILD_DIR;
  assert.ok(build, "SYNDICATE_BUILD_DIR names the build (run.sh sets it)");
  const binaries = [path.join(build, "server/syndicated"), path.join(build, "client/syndicate")];
  for (const binary of binaries) assert.ok(existsSync(binary), `${binary} is built`);
  const linked = new Set();
  for (const binary of binaries) for (const p of linkedPackages(binary)) linked.add(p);
  const base = minimalBase();
  const needed = [...linked].filter((p) => !base.has(p)).sort();
  assert.deepEqual(runtimePackages(), needed);
});
