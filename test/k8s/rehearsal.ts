// A rehearsal of rendered manifests without Kubernetes: each pod of a Job becomes local processes running
// exactly the containers' commands, args and env as the pod specs declare them. What a cluster would provide
// is emulated, each in one place here:
// - image: `ganymede` on PATH runs this build's CLI (the images link /app/bin/ganymede.js the same way);
// - volumes: ConfigMap and Secret volumes are folders holding their keys (or `items`), a PVC is one folder per
//   claim shared by every pod; a mountPath in args or env is rewritten to its folder;
// - network: a Service's DNS names (name, name.ns, name.ns.svc, name.ns.svc.cluster.local), and a JobSet pod's
//   (<jobset>-<replicatedJob>-<job>-<pod>.<subdomain>...), map to 127.0.0.1, and the container port behind them
//   to a free local port (pods share this machine's one network namespace);
// - env: value with $(VAR) expansion, secretKeyRef, configMapKeyRef, fieldRef; JOB_COMPLETION_INDEX for
//   Indexed Jobs, HOSTNAME <job>-<index>;
// - Job controller: init containers in order, then the containers; a pod that fails is replaced by a new pod
//   (restartPolicy Never) within backoffLimit, or per index within backoffLimitPerIndex; backoff delays are
//   Kubernetes' 10 s doubling, scaled down 50x;
// - readinessProbe.tcpSocket: polled as the kubelet would, recorded on the pod.
import { spawn } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tcpCheck } from '../../src/cli/commands/health.js';
import type { K8sObject } from './manifests.js';

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
};
type Container = {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { tcpSocket?: { port: string | number }; periodSeconds?: number };
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
};
type Volume = {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: object;
};
type PodSpec = { restartPolicy?: string; containers: Container[]; initContainers?: Container[]; volumes?: Volume[] };
export type JobSpec = {
  completionMode?: string;
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  successPolicy?: { rules: { succeededCount?: number; succeededIndexes?: string }[] };
  template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
};

type JobSetSpec = {
  network?: { enableDNSHostnames?: boolean; subdomain?: string };
  replicatedJobs: { name: string; replicas?: number; dependsOn?: { name: string; status: string }[]; template: { spec: JobSpec } }[];
};

export interface Pod {
  name: string;
  /** <job>-<index>: the pod's hostname (what JobSet DNS names). */
  hostname: string;
  index: number;
  log: string;
  /** When the readiness probe first passed (ms since epoch). */
  readyAt?: number;
  pid?: number;
  exited: Promise<number | null>;
}

const NAMESPACE = 'default';
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Rehearsal {
  private readonly byKind = (kind: string) => this.objects.filter((o) => o.kind === kind);
  /** Service port -> local port, per Service name. */
  private readonly servicePorts = new Map<string, Map<number, number>>();
  /** Container port -> local port, per pod hostname (JobSet pods reachable by DNS). */
  private readonly podListens = new Map<string, Map<number, number>>();
  readonly bin: string;
  private stopped = false;
  private readonly live = new Set<number>();

  private constructor(readonly objects: K8sObject[], readonly dir: string, cli: string) {
    // 1. The image's `ganymede`.
    this.bin = path.join(dir, 'bin');
    mkdirSync(this.bin, { recursive: true });
    const shim = path.join(this.bin, 'ganymede');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
    chmodSync(shim, 0o755);
  }

  static async create(objects: K8sObject[], dir: string, cli: string): Promise<Rehearsal> {
    const r = new Rehearsal(objects, dir, cli);
    for (const svc of r.byKind('Service')) {
      const ports = new Map<number, number>();
      for (const p of (svc.spec as { ports: { port: number }[] }).ports) ports.set(p.port, await freePort());
      r.servicePorts.set(svc.metadata!.name!, ports);
    }
    // JobSet pods with DNS hostnames: <jobset>-<replicatedJob>-<job>-<pod>.<subdomain>, one per listening pod.
    for (const js of r.byKind('JobSet')) {
      const spec = js.spec as JobSetSpec;
      if (!spec.network?.enableDNSHostnames) continue;
      const subdomain = spec.network.subdomain ?? js.metadata!.name!;
      for (const rj of spec.replicatedJobs) {
        const ports = rj.template.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
        if (ports.length === 0) continue;
        for (let j = 0; j < (rj.replicas ?? 1); j++) {
          for (let p = 0; p < (rj.template.spec.completions ?? 1); p++) {
            const host = `${js.metadata!.name}-${rj.name}-${j}-${p}`;
            const map = new Map<number, number>();
            for (const cp of ports) map.set(cp.containerPort, await freePort());
            r.servicePorts.set(`${host}.${subdomain}`, map);
            r.podListens.set(host, map);
          }
        }
      }
    }
    return r;
  }

  /** A JobSet's replicatedJobs as Jobs named <jobset>-<replicatedJob>-<index>, in order. */
  jobSetJobs(name: string): { name: string; replicatedJob: string; spec: JobSpec; dependsOn?: { name: string; status: string }[] }[] {
    const spec = this.object('JobSet', name).spec as JobSetSpec;
    return spec.replicatedJobs.flatMap((rj) =>
      Array.from({ length: rj.replicas ?? 1 }, (_, j) => ({ name: `${name}-${rj.name}-${j}`, replicatedJob: rj.name, spec: rj.template.spec, dependsOn: rj.dependsOn })),
    );
  }

  object(kind: string, name: string): K8sObject {
    const o = this.objects.find((x) => x.kind === kind && x.metadata?.name === name);
    if (!o) throw new Error(`no ${kind} named ${name} in the rendered manifests`);
    return o;
  }

  private keyOf(kind: 'Secret' | 'ConfigMap', name: string, key: string): Buffer {
    const o = this.object(kind, name) as K8sObject & { data?: Record<string, string>; stringData?: Record<string, string> };
    if (kind === 'Secret' && o.data?.[key] !== undefined) return Buffer.from(o.data[key], 'base64');
    const text = o.data?.[key] ?? o.stringData?.[key];
    if (text === undefined) throw new Error(`${kind}/${name} has no key ${key}`);
    return Buffer.from(text);
  }

  /** 2. Volumes: a folder per volume of this pod (per claim for PVCs). */
  private volumeDir(pod: string, v: Volume): string {
    if (v.persistentVolumeClaim) {
      this.object('PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
      const dir = path.join(this.dir, 'pvc', v.persistentVolumeClaim.claimName);
      mkdirSync(dir, { recursive: true });
      return dir;
    }
    const dir = path.join(this.dir, 'volumes', pod, v.name);
    mkdirSync(dir, { recursive: true });
    const source = v.configMap ? (['ConfigMap', v.configMap.name, v.configMap.items] as const) : v.secret ? (['Secret', v.secret.secretName, v.secret.items] as const) : undefined;
    if (source) {
      const [kind, name, items] = source;
      const o = this.object(kind, name) as K8sObject & { data?: Record<string, string> };
      for (const { key, path: file } of items ?? Object.keys(o.data ?? {}).map((k) => ({ key: k, path: k }))) {
        writeFileSync(path.join(dir, file), this.keyOf(kind, name, key), { mode: 0o600 });
      }
    } else if (!v.emptyDir) {
      throw new Error(`volume ${v.name}: only configMap, secret, persistentVolumeClaim and emptyDir are rehearsed`);
    }
    return dir;
  }

  /** 3. Network: the Service whose selector matches these labels, if any, and its port map. */
  private serviceFor(labels: Record<string, string>) {
    return this.byKind('Service').find((s) => Object.entries((s.spec as { selector: Record<string, string> }).selector).every(([k, v]) => labels[k] === v));
  }

  private rewriter(podSpec: PodSpec, labels: Record<string, string>, hostname: string, mounts: [string, string][]): (s: string) => string {
    const rules: [RegExp, string][] = [];
    for (const [name, ports] of this.servicePorts) {
      const names = [`${name}.${NAMESPACE}.svc.cluster.local`, `${name}.${NAMESPACE}.svc`, `${name}.${NAMESPACE}`, name];
      for (const [port, local] of ports) for (const n of names) rules.push([new RegExp(`//${n.replace(/\./g, '\\.')}:${port}\\b`, 'g'), `//127.0.0.1:${local}`]);
    }
    // A pod behind a Service (or reachable by its hostname) listens on its container port: that port's local port.
    const listen = new Map(this.podListens.get(hostname) ?? []);
    const svc = this.serviceFor(labels);
    if (svc) {
      const ports = this.servicePorts.get(svc.metadata!.name!)!;
      for (const p of (svc.spec as { ports: { port: number; targetPort?: string | number }[] }).ports) {
        const container = podSpec.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
        if (!container) throw new Error(`Service ${svc.metadata!.name}: targetPort ${p.targetPort} is no container port of the pod it selects`);
        listen.set(container.containerPort, ports.get(p.port)!);
      }
    }
    for (const [containerPort, local] of listen) rules.push([new RegExp(`//(0\\.0\\.0\\.0|\\*):${containerPort}\\b`, 'g'), `//127.0.0.1:${local}`]);
    const byLength = [...mounts].sort((a, b) => b[0].length - a[0].length);
    return (s: string) => {
      let out = s;
      for (const [mount, dir] of byLength) out = out.split(mount).join(dir);
      for (const [re, to] of rules) out = out.replace(re, to);
      return out;
    };
  }

  /** 4. Env, in order, with Kubernetes' $(VAR) expansion. */
  private env(c: Container, pod: { name: string; hostname: string; index?: number }, rewrite: (s: string) => string): Record<string, string> {
    const env: Record<string, string> = {};
    if (pod.index !== undefined) env.JOB_COMPLETION_INDEX = String(pod.index);
    for (const e of c.env ?? []) {
      let value: string;
      if (e.value !== undefined) value = expand(e.value, env);
      else if (e.valueFrom?.secretKeyRef) value = this.keyOf('Secret', e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key).toString();
      else if (e.valueFrom?.configMapKeyRef) value = this.keyOf('ConfigMap', e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key).toString();
      else if (e.valueFrom?.fieldRef) value = fieldRef(e.valueFrom.fieldRef.fieldPath, pod);
      else value = '';
      env[e.name] = rewrite(value);
    }
    return env;
  }

  /** Runs one container to its end; resolves with its exit code (null when killed by a signal). */
  private runContainer(c: Container, podSpec: PodSpec, labels: Record<string, string>, pod: Pod): Promise<number | null> {
    const mounts: [string, string][] = (c.volumeMounts ?? []).map((m) => {
      const v = podSpec.volumes?.find((x) => x.name === m.name);
      if (!v) throw new Error(`${pod.name}/${c.name}: volumeMount ${m.name} names no volume`);
      return [m.mountPath, path.join(this.volumeDir(pod.name, v), m.subPath ?? '')];
    });
    const rewrite = this.rewriter(podSpec, labels, pod.hostname, mounts);
    const env = this.env(c, pod, rewrite);
    if (!c.command) throw new Error(`${pod.name}/${c.name}: no command (the rehearsal does not read image entrypoints)`);
    const argv = [...c.command, ...(c.args ?? [])].map((a) => rewrite(expand(a, env)));
    const home = path.join(this.dir, 'home', pod.name);
    mkdirSync(home, { recursive: true });
    const child = spawn(argv[0], argv.slice(1), {
      cwd: c.workingDir ? rewrite(c.workingDir) : home,
      env: { PATH: `${this.bin}:${process.env.PATH}`, HOME: home, HOSTNAME: pod.hostname, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: killing the pod kills sh and what it started
    });
    const log = createWriteStream(pod.log, { flags: 'a' });
    log.write(`--- ${c.name}: ${argv.join(' ')}\n`);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    pod.pid = child.pid;
    if (child.pid) this.live.add(child.pid);
    if (c.readinessProbe?.tcpSocket) void this.probe(c, podSpec, labels, pod, child.pid);
    return new Promise((resolve) => {
      child.on('error', (err) => {
        log.end(`spawn failed: ${err.message}\n`);
        resolve(127);
      });
      child.on('exit', (code) => {
        if (child.pid) this.live.delete(child.pid);
        setTimeout(() => log.end(`--- ${c.name} exited ${code}\n`), 50);
        resolve(code);
      });
    });
  }

  /** 5. readinessProbe.tcpSocket, polled like the kubelet (periodSeconds scaled down 10x). */
  private async probe(c: Container, podSpec: PodSpec, labels: Record<string, string>, pod: Pod, pid?: number): Promise<void> {
    const port = c.readinessProbe!.tcpSocket!.port;
    const containerPort = typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
    if (containerPort === undefined) throw new Error(`${pod.name}: readinessProbe port ${port} is no container port`);
    const local = Number(/127\.0\.0\.1:(\d+)/.exec(this.rewriter(podSpec, labels, pod.hostname, [])(`tcp://0.0.0.0:${containerPort}`))?.[1] ?? containerPort);
    while (!this.stopped && pid !== undefined && this.live.has(pid)) {
      if ((await tcpCheck('127.0.0.1', local, 1000)) === null) {
        pod.readyAt = Date.now();
        return;
      }
      await sleep(((c.readinessProbe!.periodSeconds ?? 10) * 1000) / 10);
    }
  }

  /** 6. The Job controller for one Job: pods until every index succeeded, or a backoff limit is passed. */
  runJob(name: string, spec: JobSpec = this.object('Job', name).spec as JobSpec): JobRun {
    return new JobRun(this, name, spec);
  }

  /** @internal used by JobRun */
  async runPod(jobName: string, spec: JobSpec, index: number | undefined, attempt: number, started: (pod: Pod) => void): Promise<{ pod: Pod; code: number | null }> {
    const podSpec = spec.template.spec;
    const labels = spec.template.metadata?.labels ?? {};
    const name = `${jobName}-${index ?? 0}-${attempt}`;
    mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
    let resolveExit!: (c: number | null) => void;
    const pod: Pod = {
      name, index: index ?? 0, hostname: index === undefined ? name : `${jobName}-${index}`, log: path.join(this.dir, 'logs', `${name}.log`),
      exited: new Promise((r) => (resolveExit = r)),
    };
    started(pod);
    let code: number | null = 0;
    for (const c of podSpec.initContainers ?? []) {
      code = await this.runContainer(c, podSpec, labels, pod);
      if (code !== 0) break;
    }
    if (code === 0) {
      if (podSpec.containers.length !== 1) throw new Error(`${name}: the rehearsal runs pods of one container`);
      code = await this.runContainer(podSpec.containers[0], podSpec, labels, pod);
    }
    resolveExit(code);
    return { pod, code };
  }

  /** Kills a pod's running container (and its children), as a node failure or `kubectl delete pod` would. */
  kill(pod: Pod): void {
    if (pod.pid !== undefined && this.live.has(pod.pid)) killGroup(pod.pid);
  }

  /** Stops every process still running. */
  stop(): void {
    this.stopped = true;
    for (const pid of this.live) killGroup(pid);
  }

  get stopping(): boolean {
    return this.stopped;
  }
}

export class JobRun {
  readonly failures: number[];
  readonly pods: Pod[] = [];
  private readonly succeeded = new Set<number>();
  private onSuccess?: () => void;
  private over = false;
  readonly done: Promise<{ succeeded: boolean; reason: string }>;

  constructor(private readonly r: Rehearsal, readonly name: string, readonly spec: JobSpec) {
    const indexed = spec.completionMode === 'Indexed';
    const n = spec.completions ?? 1;
    if (!indexed && n !== 1) throw new Error(`${name}: only Indexed Jobs or Jobs of one completion are rehearsed`);
    if ((spec.parallelism ?? 1) < n) throw new Error(`${name}: parallelism ${spec.parallelism} < completions ${n} is not rehearsed`);
    this.failures = Array<number>(n).fill(0);
    const all = Promise.all(Array.from({ length: n }, (_, i) => this.runIndex(indexed ? i : undefined))).then((results) => {
      const failed = results.find((x) => x !== 'ok');
      return failed ? { succeeded: false, reason: failed } : { succeeded: true, reason: 'all indexes succeeded' };
    });
    // successPolicy (Indexed Jobs): met once `succeededCount` indexes succeeded; lingering pods are ended.
    const count = spec.successPolicy?.rules.find((x) => x.succeededCount !== undefined && x.succeededIndexes === undefined)?.succeededCount;
    if (spec.successPolicy?.rules.some((x) => x.succeededIndexes !== undefined)) throw new Error(`${name}: successPolicy.succeededIndexes is not rehearsed`);
    const policy = count === undefined ? undefined : new Promise<{ succeeded: boolean; reason: string }>((resolve) => (this.onSuccess = () => {
      if (this.succeeded.size < count) return;
      this.over = true;
      for (const p of this.pods) this.r.kill(p);
      resolve({ succeeded: true, reason: `successPolicy: ${this.succeeded.size} index(es) succeeded` });
    }));
    this.done = policy ? Promise.race([policy, all]) : all;
  }

  private async runIndex(index: number | undefined): Promise<string> {
    const i = index ?? 0;
    const perIndex = this.spec.backoffLimitPerIndex;
    const limit = perIndex ?? this.spec.backoffLimit ?? 6;
    for (let attempt = 0; ; attempt++) {
      const { pod, code } = await this.r.runPod(this.name, this.spec, index, attempt, (p) => this.pods.push(p));
      if (code === 0) {
        this.succeeded.add(i);
        this.onSuccess?.();
        return 'ok';
      }
      if (this.r.stopping || this.over) return `${pod.name}: stopped`;
      const total = perIndex === undefined ? ++this.failures[0] : ++this.failures[i];
      if (total > limit) return `${pod.name} failed (exit ${code}); ${perIndex === undefined ? 'backoffLimit' : `backoffLimitPerIndex for index ${i}`} ${limit} reached`;
      await new Promise((res) => setTimeout(res, Math.min(10_000 * 2 ** (total - 1), 360_000) / 50));
      if (this.r.stopping || this.over) return `${pod.name}: stopped`;
    }
  }

  /** The newest pod of an index. */
  latest(index = 0): Pod | undefined {
    return this.pods.filter((p) => p.index === index).at(-1);
  }
}

/** Kubernetes' $(VAR) expansion: defined names are replaced, $$ escapes, anything else stays as written. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in env ? env[name] : m));
}

function fieldRef(fieldPath: string, pod: { name: string; index?: number }): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return NAMESPACE;
    case "metadata.annotations['batch.kubernetes.io/job-completion-index']":
    case "metadata.labels['batch.kubernetes.io/job-completion-index']":
      return String(pod.index ?? '');
    default:
      throw new Error(`fieldRef ${fieldPath} is not rehearsed`);
  }
}

/**
 * SIGKILLs a process group. The group may have exited before its 'exit' event reached us (ESRCH, a CI flake
 * of the JobSet test): then there is nothing left to kill.
 */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
