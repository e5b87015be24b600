// Validates Kubernetes objects offline against the API schemas bundled in kubernetes-models.
//
//   kubectl kustomize k8s/overlays/dev | node k8s/tools/validate.mjs
//
// Reads a multi-document YAML stream on stdin. Prints the objects as one JSON array on stdout
// (so callers can check policies without a YAML parser of their own) and one line per invalid
// object on stderr. Exit status: 0 all valid, 1 some object invalid or of an unknown kind, 2 bad input.
import { parseAllDocuments } from "yaml";

const input = await new Promise((resolve, reject) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
  process.stdin.on("error", reject);
});

const documents = parseAllDocuments(input);
const objects = [];
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`error: YAML does not parse: ${document.errors.map((e) => e.message).join("; ")}`);
    process.exit(2);
  }
  const value = document.toJS();
  if (value !== null && value !== undefined) {
    objects.push(value);
  }
}
if (objects.length === 0) {
  console.error("error: no Kubernetes object on stdin");
  process.exit(2);
}

const name = (o) => `${o?.apiVersion ?? "?"} ${o?.kind ?? "?"} ${o?.metadata?.namespace ? o.metadata.namespace + "/" : ""}${o?.metadata?.name ?? "?"}`;

async function modelFor(apiVersion, kind) {
  // Core objects live under "kubernetes-models/v1", the others under "kubernetes-models/<group>/<version>".
  if (typeof apiVersion !== "string" || !/^[a-z0-9.-]*\/?v[0-9]+[a-z0-9]*$/.test(apiVersion)) {
    return undefined;
  }
  try {
    const module = await import(`kubernetes-models/${apiVersion}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

// kustomize wraps long Secret values over several lines; the API server's base64 decoder skips the
// line breaks, the schema's "byte" format does not.
function normalized(object) {
  if (object?.apiVersion !== "v1" || object?.kind !== "Secret" || typeof object.data !== "object" || object.data === null) {
    return object;
  }
  const data = Object.fromEntries(Object.entries(object.data).map(([key, value]) =>
    [key, typeof value === "string" ? value.replace(/[\r\n]/g, "") : value]));
  return { ...object, data };
}

let invalid = 0;
for (const object of objects) {
  const Model = await modelFor(object?.apiVersion, object?.kind);
  if (typeof Model !== "function") {
    console.error(`invalid: ${name(object)}: no schema for this apiVersion and kind`);
    invalid++;
    continue;
  }
  try {
    new Model(normalized(object)).validate();
  } catch (error) {
    const details = Array.isArray(error?.errors)
      ? error.errors.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ")
      : String(error?.message ?? error);
    console.error(`invalid: ${name(object)}: ${details}`);
    invalid++;
  }
}

process.stdout.write(JSON.stringify(objects));
process.stdout.write("\n");
if (invalid > 0) {
  console.error(`${invalid} of ${objects.length} objects invalid`);
  process.exit(1);
}
console.error(`${objects.length} objects valid`);
