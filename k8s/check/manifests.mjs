// Renders the kustomize overlays and checks objects against the Kubernetes API schemas of
// the npm package kubernetes-models, offline.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
export const k8sDir = path.resolve(here, "..");
export const overlays = ["base", "overlays/dev", "overlays/prod", "overlays/jetstream"];

// The kubectl whose built-in kustomize renders: $KUBECTL (run.sh sets it to Debian's
// kubernetes-client), else the one on PATH.
export function kubectl() {
  return process.env.KUBECTL || "kubectl";
}

// Every object `kubectl kustomize DIR` prints, as plain objects, in order.
export function render(dir) {
  const text = execFileSync(kubectl(), ["kustomize", path.join(k8sDir, dir)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0].message}`);
    return doc.toJS();
  });
}

// The flags of a rendered syndicated.conf (`name=value` lines, `#` comments), as a Map from
// name to value, strings unquoted.
export function confFlags(text) {
  const flags = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`syndicated.conf: no "=" in ${JSON.stringify(line)}`);
    const value = line.slice(eq + 1).trim();
    flags.set(line.slice(0, eq).trim(), /^".*"$/.test(value) ? value.slice(1, -1) : value);
  }
  return flags;
}

export function find(objects, kind, name) {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  }
  return found[0];
}

// --- Schemas ------------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const modelsRoot = path.dirname(require.resolve("kubernetes-models/package.json"));
const apimachineryRoot = path.dirname(
  require.resolve("@kubernetes-models/apimachinery/package.json", { paths: [modelsRoot] }),
);

// The folder of kubernetes-models that holds an apiVersion's models: "v1" for the core
// group, "apps/v1", "networking.k8s.io/v1", …
function groupDir(apiVersion) {
  return path.join(modelsRoot, ...apiVersion.split("/"));
}

// The model class for `object`'s apiVersion and kind; throws when the package has none.
export async function modelFor(object) {
  const file = path.join(groupDir(object.apiVersion), `${object.kind}.mjs`);
  if (!existsSync(file)) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  const module = await import(file);
  return module[object.kind];
}

// Validates `object` against its API schema. Returns the error messages (empty when valid).
export async function schemaErrors(object) {
  const Model = await modelFor(object);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [String(error.message ?? error)];
  }
}

// The JSON schemas the package validates with allow any extra key, so the allowed keys
// come from the TypeScript declarations beside each model: a type is parsed into
// { kind: "object", fields: Map } (an interface or an inline object type), { kind: "map",
// of } (`{ [key: string]: T }`), { kind: "array", of }, { kind: "ref", file } (an imported
// interface) or { kind: "leaf" } (strings, numbers, unions, anything else).
class TypeParser {
  constructor(text, imports) {
    this.text = text;
    this.at = 0;
    this.imports = imports;
  }

  skipSpace() {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  eat(token) {
    this.skipSpace();
    if (!this.text.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }

  expect(token) {
    if (!this.eat(token)) {
      throw new Error(`expected ${token} at ${this.text.slice(this.at, this.at + 40)}`);
    }
  }

  // The members of an object type, after its "{", up to and including its "}".
  objectBody() {
    const fields = new Map();
    let map = null;
    while (!this.eat("}")) {
      if (this.eat("[")) {
        this.expect("key: string]:");
        map = this.type();
      } else {
        this.expect('"');
        const end = this.text.indexOf('"', this.at);
        const name = this.text.slice(this.at, end);
        this.at = end + 1;
        this.eat("?");
        this.expect(":");
        fields.set(name, this.type());
      }
      this.eat(";");
    }
    return map ? { kind: "map", of: map } : { kind: "object", fields };
  }

  type() {
    let result = this.single();
    while (this.eat("|")) {
      this.single();
      result = { kind: "leaf" };
    }
    return result;
  }

  single() {
    this.skipSpace();
    if (this.eat("Array<")) {
      const of = this.type();
      this.expect(">");
      return { kind: "array", of };
    }
    if (this.eat("{")) return this.objectBody();
    if (this.eat('"')) {
      this.at = this.text.indexOf('"', this.at) + 1;
      return { kind: "leaf" };
    }
    const m = /^[\w.]+(\["\w+"\])?/.exec(this.text.slice(this.at));
    if (!m) throw new Error(`cannot parse a type at ${this.text.slice(this.at, this.at + 40)}`);
    this.at += m[0].length;
    const file = this.imports.get(m[0]);
    return file ? { kind: "ref", file } : { kind: "leaf" };
  }
}

const interfaceCache = new Map();

// The parsed interface a model's .d.ts declares, or null when the file declares none.
function readInterface(dtsFile) {
  if (interfaceCache.has(dtsFile)) return interfaceCache.get(dtsFile);
  let result = null;
  if (existsSync(dtsFile)) {
    const text = readFileSync(dtsFile, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
      let target = m[2];
      if (target.startsWith(".")) target = path.resolve(path.dirname(dtsFile), target);
      else if (target.startsWith("@kubernetes-models/apimachinery/")) {
        target = path.join(apimachineryRoot, target.slice("@kubernetes-models/apimachinery/".length));
      } else continue;
      for (const name of m[1].split(",")) imports.set(name.trim(), `${target}.d.ts`);
    }
    const head = /export interface \w+(?: extends ([\w, ]+))? \{/.exec(text);
    if (head) {
      const parser = new TypeParser(text, imports);
      parser.at = head.index + head[0].length;
      result = parser.objectBody();
      result.typeMeta = /TypeMeta/.test(head[1] ?? "");
    }
  }
  interfaceCache.set(dtsFile, result);
  return result;
}

// Collects into `unknown` the paths of keys in `value` that `type` does not declare.
function walk(value, type, at, unknown) {
  if (value === null || typeof value !== "object") return;
  if (type.kind === "ref") {
    const resolved = readInterface(type.file);
    if (resolved) walk(value, resolved, at, unknown);
  } else if (type.kind === "array") {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, type.of, `${at}[${i}]`, unknown));
  } else if (type.kind === "map") {
    for (const [k, v] of Object.entries(value)) walk(v, type.of, `${at}.${k}`, unknown);
  } else if (type.kind === "object" && !Array.isArray(value)) {
    // An interface without members is free-form (RawExtension, JSON).
    if (type.fields.size === 0) return;
    for (const [key, v] of Object.entries(value)) {
      if (type.typeMeta && (key === "apiVersion" || key === "kind")) continue;
      if (!type.fields.has(key)) unknown.push(`${at}.${key}`);
      else walk(v, type.fields.get(key), `${at}.${key}`, unknown);
    }
  }
}

// Paths (e.g. "StatefulSet/syndicated.spec.template.spec.containers[0].livenesProbe") of
// every key in `object` that its API type does not have: a misspelt or misplaced field,
// which the API server would drop or reject.
export function unknownKeys(object) {
  const unknown = [];
  const type = readInterface(path.join(groupDir(object.apiVersion), `${object.kind}.d.ts`));
  if (!type) return [`${object.apiVersion} ${object.kind}: no type definition`];
  walk(object, type, `${object.kind}/${object.metadata?.name}`, unknown);
  return unknown;
}
