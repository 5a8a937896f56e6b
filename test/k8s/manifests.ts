// Offline validation of the Kubernetes manifests under k8s/: every source file and every rendered overlay.
// - Built-in kinds: the npm package kubernetes-models (the API's OpenAPI schemas compiled to validators). It
//   accepts unknown fields, so a strict check walks each object against the package's own TypeScript
//   declarations (through the TypeScript compiler API): a misspelled field is an error, with a suggestion.
// - JobSet: the vendored CRD's openAPIV3Schema (shared/k8s-schemas/jobset-crd.yaml) with ajv, and the same
//   strict walk over the schema's properties (the API server would silently prune unknown fields).
// - Resource quantities: the API's Quantity syntax; extended resources (nvidia.com/gpu) whole numbers, and
//   requests equal to limits when both are given.
// Rendering uses `kubectl kustomize` (offline; kubectl ships kustomize).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import YAML from 'yaml';
import { Ajv } from 'ajv';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The JobSet CRD (kubernetes-sigs/jobset, Apache-2.0), vendored from the project's shared k8s-schemas. */
export const JOBSET_CRD = path.join(REPO, 'test', 'k8s', 'fixtures', 'jobset-crd.yaml');

export type K8sObject = { apiVersion: string; kind: string; metadata?: { name?: string; [k: string]: unknown }; [k: string]: unknown };

/** kubernetes-models modules of the kinds ganymede uses: apiVersion/kind -> [module, interface]. */
const BUILT_IN: Record<string, [string, string]> = {
  'batch/v1/Job': ['kubernetes-models/batch/v1/Job', 'IJob'],
  'v1/Service': ['kubernetes-models/v1/Service', 'IService'],
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'v1/Secret': ['kubernetes-models/v1/Secret', 'ISecret'],
  'v1/PersistentVolumeClaim': ['kubernetes-models/v1/PersistentVolumeClaim', 'IPersistentVolumeClaim'],
  'v1/Pod': ['kubernetes-models/v1/Pod', 'IPod'],
};
const JOBSET = 'jobset.x-k8s.io/v1alpha2/JobSet';

export function kindKey(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind}`;
}

export function describe(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? '?'}`;
}

const pathOf = (parts: (string | number)[]) =>
  parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? (i === 0 ? p : `.${p}`) : `["${p}"]`)).join('');

/** Closest candidate by edit distance, for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    return d[a.length][b.length];
  };
  const best = candidates.map((c) => [c, dist(word.toLowerCase(), c.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(word.length / 3)) ? best[0] : undefined;
}

const unknownField = (parts: (string | number)[], key: string, known: string[]) => {
  const hint = closest(key, known);
  return `${pathOf([...parts, key])}: unknown field${hint ? ` (did you mean ${hint}?)` : ''}`;
};

// ---- strict keys for built-in kinds, from kubernetes-models' TypeScript declarations ----

let checkerCache: { checker: ts.TypeChecker; kinds: Map<string, ts.Type> } | undefined;

function typeChecker() {
  if (checkerCache) return checkerCache;
  const virtual = path.join(REPO, '__k8s_kinds__.ts');
  const source =
    Object.entries(BUILT_IN).map(([, [mod, name]], i) => `import type { ${name} as T${i} } from '${mod}';`).join('\n') +
    `\nexport interface Kinds {\n${Object.keys(BUILT_IN).map((k, i) => `  '${k}': T${i};`).join('\n')}\n}\n`;
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (path.resolve(file) === virtual ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(virtual)!;
  const kindsSymbol = checker.getExportsOfModule(checker.getSymbolAtLocation(file)!).find((s) => s.name === 'Kinds')!;
  const kindsType = checker.getDeclaredTypeOfSymbol(kindsSymbol);
  const kinds = new Map<string, ts.Type>();
  for (const prop of checker.getPropertiesOfType(kindsType)) kinds.set(prop.name, checker.getTypeOfSymbol(prop));
  checkerCache = { checker, kinds };
  return checkerCache;
}

function walkType(value: unknown, type: ts.Type, parts: (string | number)[], errors: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const { checker } = typeChecker();
  const t = checker.getNonNullableType(type);
  if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  const members = t.isUnion() ? t.types : [t];
  if (Array.isArray(value)) {
    const arrays = members.filter((m) => checker.isArrayType(m));
    if (arrays.length === 0) return; // a type error: kubernetes-models reports it
    const element = checker.getTypeArguments(arrays[0] as ts.TypeReference)[0];
    value.forEach((v, i) => walkType(v, element, [...parts, i], errors));
    return;
  }
  const objects = members.filter((m) => m.flags & ts.TypeFlags.Object && !checker.isArrayType(m));
  if (objects.length === 0) return;
  for (const [key, v] of Object.entries(value)) {
    const prop = objects.map((m) => m.getProperty(key)).find(Boolean);
    if (prop) {
      walkType(v, checker.getTypeOfSymbol(prop), [...parts, key], errors);
      continue;
    }
    const index = objects.map((m) => checker.getIndexTypeOfType(m, ts.IndexKind.String)).find(Boolean);
    if (index) {
      walkType(v, index, [...parts, key], errors);
      continue;
    }
    errors.push(unknownField(parts, key, objects.flatMap((m) => checker.getPropertiesOfType(m).map((p) => p.name))));
  }
}

// ---- JobSet: the CRD schema ----

type Schema = {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [k: string]: unknown;
};

let jobsetCache: { schema: Schema; validate: (o: unknown) => string[] } | undefined;

function jobsetSchema() {
  if (jobsetCache) return jobsetCache;
  const crd = YAML.parse(readFileSync(JOBSET_CRD, 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha2');
  if (!version) throw new Error(`${JOBSET_CRD}: no v1alpha2 version`);
  const schema = version.schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const check = ajv.compile(schema);
  const validate = (o: unknown) =>
    check(o) ? [] : (check.errors ?? []).map((e) => `${e.instancePath.slice(1).replace(/\//g, '.') || '(root)'}: ${e.message}`);
  jobsetCache = { schema, validate };
  return jobsetCache;
}

function walkSchema(value: unknown, schema: Schema | undefined, parts: (string | number)[], errors: string[]): void {
  if (!schema || value === null || typeof value !== 'object' || schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walkSchema(v, schema.items, [...parts, i], errors));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const prop = schema.properties?.[key];
    if (prop) walkSchema(v, prop, [...parts, key], errors);
    else if (typeof schema.additionalProperties === 'object') walkSchema(v, schema.additionalProperties, [...parts, key], errors);
    else if (schema.additionalProperties !== true && schema.properties) errors.push(unknownField(parts, key, Object.keys(schema.properties)));
  }
}

// ---- quantities ----

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const isExtended = (name: string) => name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.');

function checkResources(value: unknown, parts: (string | number)[], errors: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) return value.forEach((v, i) => checkResources(v, [...parts, i], errors));
  for (const [key, v] of Object.entries(value)) {
    if (key === 'resources' && v && typeof v === 'object' && !Array.isArray(v)) {
      const r = v as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
      for (const kind of ['limits', 'requests'] as const) {
        for (const [name, q] of Object.entries(r[kind] ?? {})) {
          const at = pathOf([...parts, key, kind, name]);
          const text = String(q);
          if ((typeof q !== 'string' && typeof q !== 'number') || !QUANTITY.test(text)) errors.push(`${at}: '${text}' is not a quantity (e.g. 500m, 2, 4Gi)`);
          else if (text.startsWith('-')) errors.push(`${at}: '${text}' must not be negative`);
          else if (isExtended(name) && !/^\d+$/.test(text)) errors.push(`${at}: '${text}': ${name} is an extended resource and takes a whole number`);
        }
      }
      for (const [name, q] of Object.entries(r.requests ?? {})) {
        if (!isExtended(name)) continue;
        const limit = r.limits?.[name];
        if (limit === undefined) errors.push(`${pathOf([...parts, key, 'requests', name])}: an extended resource must be set in limits`);
        else if (String(limit) !== String(q)) errors.push(`${pathOf([...parts, key, 'requests', name])}: requests ${q} differ from limits ${limit} (extended resources cannot be overcommitted)`);
      }
    }
    checkResources(v, [...parts, key], errors);
  }
}

// ---- one object ----

/**
 * Errors of one manifest object ('' when valid). `partial`: a strategic-merge patch, checked for unknown fields
 * and quantities only (required fields live in what it patches).
 */
export async function validateObject(o: K8sObject, partial = false): Promise<string[]> {
  const errors: string[] = [];
  if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return ['not a Kubernetes object (apiVersion and kind)'];
  const key = kindKey(o);
  if (key === JOBSET) {
    const { schema, validate } = jobsetSchema();
    if (!partial) errors.push(...validate(o));
    walkSchema(o, schema, [], errors);
  } else if (BUILT_IN[key]) {
    if (!partial) {
      const [mod] = BUILT_IN[key];
      const models = (await import(mod)) as Record<string, new (data: unknown) => { validate(): void }>;
      try {
        new models[o.kind](o).validate();
      } catch (err) {
        const list = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
        if (list) errors.push(...list.map((e) => `${e.instancePath.slice(1).replace(/\//g, '.') || '(root)'}: ${e.message}`));
        else errors.push((err as Error).message);
      }
    }
    walkType(o, typeChecker().kinds.get(key)!, [], errors);
  } else {
    errors.push(`${key}: not a kind this check knows (${[...Object.keys(BUILT_IN), JOBSET].join(', ')})`);
  }
  checkResources(o, [], errors);
  return errors;
}

// ---- files, kustomizations, overlays ----

export function parseDocuments(text: string, file: string): K8sObject[] {
  return YAML.parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS() as K8sObject;
  }).filter((o) => o !== null);
}

interface Kustomization {
  resources?: string[];
  patches?: { path?: string }[];
  configMapGenerator?: { files?: string[] }[];
  transformers?: string[];
  configurations?: string[];
}

/** Every kustomization folder under `root`. */
export function kustomizationDirs(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    if (existsSync(path.join(dir, 'kustomization.yaml'))) out.push(dir);
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory() && e !== 'secrets') visit(p);
    }
  };
  visit(root);
  return out.sort();
}

/** The folders `kubectl apply -k` is meant for: those no other kustomization includes. */
export function leafOverlays(root: string): string[] {
  const dirs = kustomizationDirs(root);
  const included = new Set<string>();
  for (const dir of dirs) {
    const k = YAML.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
    for (const r of [...(k.resources ?? []), ...(k.transformers ?? [])]) included.add(path.resolve(dir, r));
  }
  return dirs.filter((d) => !included.has(path.resolve(d)));
}

export interface FileProblem {
  file: string;
  message: string;
}

/**
 * Validates every file a kustomization names: resources in full, patches for unknown fields and quantities,
 * ConfigMap recipes with `check(file)` (ganymede's own config validation). Messages name the file.
 */
export async function validateSources(root: string, checkRecipe: (file: string) => void): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const rel = (f: string) => path.relative(path.dirname(root), f);
  for (const dir of kustomizationDirs(root)) {
    const k = YAML.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
    const files: [string, boolean][] = [
      ...(k.resources ?? []).map((r) => [path.resolve(dir, r), false] as [string, boolean]),
      ...(k.patches ?? []).filter((p) => p.path).map((p) => [path.resolve(dir, p.path!), true] as [string, boolean]),
    ];
    for (const [file, partial] of files) {
      if (statSync(file).isDirectory()) continue;
      for (const o of parseDocuments(readFileSync(file, 'utf8'), rel(file))) {
        if (o.apiVersion === 'builtin') continue; // kustomize's own transformer configs (transformers/)
        for (const e of await validateObject(o, partial)) problems.push({ file: rel(file), message: `${describe(o)}: ${e}` });
      }
    }
    for (const g of k.configMapGenerator ?? []) {
      for (const f of g.files ?? []) {
        const file = path.resolve(dir, f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
        try {
          checkRecipe(file);
        } catch (err) {
          problems.push({ file: rel(file), message: (err as Error).message });
        }
      }
    }
  }
  return problems;
}

/** `kubectl kustomize <dir>`: the objects an overlay applies. */
export function render(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('kubectl is not installed: it renders the kustomize overlays (kubectl kustomize)');
    throw new Error(`kubectl kustomize ${dir}: ${e.stderr?.trim() ?? String(err)}`);
  }
  return parseDocuments(out, dir);
}

export function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
