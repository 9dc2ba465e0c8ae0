// deploy/: the container image and the Kubernetes manifests, checked without a Docker engine or a cluster. hadolint
// lints deploy/Dockerfile, kubernetes-validate validates every manifest against the Kubernetes JSON schemas (both
// installed once into .cache/deploy-tools/ by scripts/deploy-tools.sh), and each checker is shown to fail on a bad
// Dockerfile and on invalid manifests. The flow in the ConfigMap passes `tributary validate` with exactly the
// variables the Deployment sets; the image's command, port, user and health check agree with the Deployment's; and the
// container's HEALTHCHECK script tells a healthy endpoint from a failing or closed one.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { FlowSettingsSchema } from '../../runtime/common/flow';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCKERFILE = join(ROOT, 'deploy', 'Dockerfile');
const MANIFESTS = join(ROOT, 'deploy', 'kubernetes');
/** Kubernetes versions the manifests are validated against: an old release still common in clusters, and the newest. */
const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'];
/** First run: a virtual environment and two packages from PyPI (about 30 s here). */
const INSTALL_TIMEOUT_MS = 300_000;
const TOOL_TIMEOUT_MS = 60_000;

const run = promisify(execFile);

/** One finding of `hadolint --format json`. */
interface HadolintFinding {
  code: string;
  level: string;
  line: number;
  message: string;
}

/** One item of `tributary validate --format json`, as far as these checks read it. */
interface ValidateProblem {
  node: string;
  field: string;
  code: string;
  message: string;
}

/** What the checkers answered for one input. */
interface CheckResult {
  passed: boolean;
  output: string;
}

let bin = '';
let work = '';

beforeAll(() => {
  bin = execFileSync('bash', [join(ROOT, 'scripts', 'deploy-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  work = mkdtempSync(join(tmpdir(), 'tributary-deploy-'));
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

function hadolint(file: string): HadolintFinding[] {
  const result = spawnSync(join(bin, 'hadolint'), ['--format', 'json', file], { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  if (result.error !== undefined) throw result.error;
  const findings = JSON.parse(result.stdout) as HadolintFinding[];
  // hadolint fails (exit 1) exactly when it reports a finding at its default threshold (info and above).
  expect(result.status === 0, result.stdout).toBe(findings.length === 0);
  return findings;
}

/**
 * Validates manifest files strictly (unknown fields rejected). kubernetes-validate exits 0 with only a WARN line for a
 * kind it has no schema for, so a WARN counts as a failure too: a misspelt kind or apiVersion is a real problem.
 */
function validateManifests(files: string[], version: string): CheckResult {
  const result = spawnSync(join(bin, 'kubernetes-validate'), ['--strict', '--kubernetes-version', version, ...files], {
    encoding: 'utf8',
    timeout: TOOL_TIMEOUT_MS,
  });
  if (result.error !== undefined) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  return { passed: result.status === 0 && !/^WARN/m.test(output), output };
}

function writeWork(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

/** Every Kubernetes object in deploy/kubernetes/ (kustomization.yaml is kustomize's, not one), by file. */
function manifestFiles(): string[] {
  return readdirSync(MANIFESTS)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .sort();
}

// Plain shapes of the manifests, as far as these checks read them.
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  startupProbe?: Probe;
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment {
  spec: {
    replicas: number;
    template: {
      metadata: { annotations: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
        volumes: { name: string; configMap?: { name: string }; emptyDir?: object }[];
      };
    };
  };
}
interface ConfigMap {
  metadata: { name: string };
  data: Record<string, string>;
}
interface Secret {
  metadata: { name: string };
  stringData: Record<string, string>;
}

function readManifest<T>(name: string): T {
  return parse(readFileSync(join(MANIFESTS, name), 'utf8')) as T;
}

/** The Dockerfile instruction `name` of the final stage (its last occurrence), without the keyword. */
function instruction(name: string): string {
  const lines = readFileSync(DOCKERFILE, 'utf8').split('\n').filter((line) => line.startsWith(`${name} `));
  const last = lines.at(-1);
  if (last === undefined) throw new Error(`deploy/Dockerfile has no ${name} instruction`);
  return last.slice(name.length + 1).trim();
}

describe('deploy/Dockerfile', () => {
  it('passes hadolint with no finding at any level', () => {
    expect(hadolint(DOCKERFILE)).toEqual([]);
  });

  it('hadolint fails a Dockerfile with a floating tag, a root user and a shell-form command', () => {
    const bad = writeWork(
      'bad.Dockerfile',
      ['FROM node:latest', 'WORKDIR /app', 'COPY . .', 'RUN npm ci --omit=dev', 'USER root', 'CMD node bin/tributary.js run /flows/flow.yaml', ''].join('\n'),
    );
    const codes = hadolint(bad).map((finding) => finding.code);
    expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3002', 'DL3025']));
  });

  it('runs `tributary run /flows/flow.yaml` on 0.0.0.0:9464 as a numeric non-root user, with a health check on /healthz', () => {
    expect(JSON.parse(instruction('ENTRYPOINT'))).toEqual(['node', '/app/bin/tributary.js']);
    expect(JSON.parse(instruction('CMD'))).toEqual(['run', '/flows/flow.yaml', '--metrics-host', '0.0.0.0', '--metrics-port', '9464']);
    expect(instruction('EXPOSE')).toBe('9464');
    expect(instruction('USER')).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
    expect(instruction('HEALTHCHECK')).toContain('CMD ["node", "/app/deploy/healthcheck.mjs"]');
    expect(readFileSync(join(ROOT, 'deploy', 'healthcheck.mjs'), 'utf8')).toContain("'http://127.0.0.1:9464/healthz'");
  });

  it('its command uses only options that `tributary run` has', async () => {
    const [command, ...args] = JSON.parse(instruction('CMD')) as string[];
    const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'tributary.js'), command!, '--help'], { cwd: ROOT, timeout: TOOL_TIMEOUT_MS });
    const options = args.filter((arg) => arg.startsWith('--'));
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) expect(stdout, option).toMatch(new RegExp(`^\\s+${option} `, 'm'));
  }, TOOL_TIMEOUT_MS);

  it('.dockerignore lets in every path the image copies from the build context, and no test', () => {
    const text = readFileSync(DOCKERFILE, 'utf8');
    const sources = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.trim().split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(rules).toContain('*');
    for (const source of sources) expect(rules, source).toContain(`!${source}${source.includes('.') ? '' : '/'}`);
    expect(rules).toContain('**/*.test.ts');
  });
});

describe('deploy/kubernetes', () => {
  it.each(KUBERNETES_VERSIONS)('every manifest passes strict validation against Kubernetes %s', (version) => {
    const files = manifestFiles().map((name) => join(MANIFESTS, name));
    expect(files.map((file) => file.slice(MANIFESTS.length + 1))).toEqual(
      expect.arrayContaining(['configmap.yaml', 'deployment.yaml', 'secret.example.yaml', 'service.yaml']),
    );
    const result = validateManifests(files, version);
    expect(result.passed, result.output).toBe(true);
    expect(result.output.match(/ passed for resource /g)).toHaveLength(files.length);
  });

  it('kubernetes-validate fails a wrong type, a misspelt field and an unknown kind', () => {
    const deployment = readManifest<Deployment & Record<string, unknown>>('deployment.yaml');
    const wrongType = structuredClone(deployment) as unknown as { spec: Record<string, unknown> };
    wrongType.spec.replicas = 'three';
    const misspelt = structuredClone(deployment) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
    misspelt.spec.template.spec.terminationGracePeriod = 45;
    const unknownKind = { ...structuredClone(deployment), kind: 'Deploymnet' };

    const cases = [
      { name: 'wrong-type.yaml', manifest: wrongType, says: 'spec.replicas' },
      { name: 'misspelt.yaml', manifest: misspelt, says: 'terminationGracePeriod' },
      { name: 'unknown-kind.yaml', manifest: unknownKind, says: 'Deploymnet' },
    ];
    for (const { name, manifest, says } of cases) {
      const result = validateManifests([writeWork(name, stringify(manifest))], KUBERNETES_VERSIONS.at(-1)!);
      expect(result.passed, `${name}: ${result.output}`).toBe(false);
      expect(result.output).toContain(says);
    }
  });

  it('kustomization.yaml lists every manifest but the Secret example', () => {
    const kustomization = readManifest<{ resources: string[] }>('kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifestFiles().filter((name) => name !== 'secret.example.yaml'));
  });

  it("the ConfigMap's flow passes `tributary validate` with exactly the variables the Deployment sets, and fails without one", async () => {
    const deployment = readManifest<Deployment>('deployment.yaml');
    const configMap = readManifest<ConfigMap>('configmap.yaml');
    const secret = readManifest<Secret>('secret.example.yaml');
    const container = deployment.spec.template.spec.containers[0]!;

    // Every credential comes from the Secret the example shows, key by key.
    const env: Record<string, string> = {};
    for (const variable of container.env) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref !== undefined) {
        expect(ref.name, variable.name).toBe(secret.metadata.name);
        expect(Object.keys(secret.stringData), variable.name).toContain(ref.key);
        env[variable.name] = secret.stringData[ref.key]!;
      } else {
        expect(variable.value, variable.name).toBeDefined();
        env[variable.name] = variable.value!;
      }
    }
    const flowText = configMap.data['flow.yaml'];
    expect(flowText).toBeDefined();
    const flowFile = writeWork('flow.yaml', flowText!);
    /** `tributary validate --format json` with only PATH and `variables` set: its exit code and problems. */
    const validate = (variables: Record<string, string>) =>
      run(process.execPath, [join(ROOT, 'bin', 'tributary.js'), 'validate', '--format', 'json', flowFile], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...variables },
        timeout: TOOL_TIMEOUT_MS,
      }).then(
        ({ stdout }) => ({ code: 0, problems: JSON.parse(stdout) as ValidateProblem[] }),
        (error: { code: number; stdout: string }) => ({ code: error.code, problems: JSON.parse(error.stdout) as ValidateProblem[] }),
      );

    // Valid, and not even a warning (no literal secret: the credentials are references).
    expect(await validate(env)).toEqual({ code: 0, problems: [] });

    const { KAFKA_PASSWORD: _password, ...withoutPassword } = env;
    const invalid = await validate(withoutPassword);
    expect(invalid.code).toBe(1);
    expect(invalid.problems.map((p) => [p.node, p.field, p.code])).toEqual([
      ['orders', 'config.sasl.password', 'E_ENV'],
      ['dlq', 'config.sasl.password', 'E_ENV'],
    ]);
    expect(invalid.problems[0]!.message).toContain('KAFKA_PASSWORD');
  }, 2 * TOOL_TIMEOUT_MS);

  it('the Deployment runs the image command, probes /healthz and /readyz on the metrics port, and drains within its grace period', () => {
    const deployment = readManifest<Deployment>('deployment.yaml');
    const configMap = readManifest<ConfigMap>('configmap.yaml');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;

    expect(deployment.spec.replicas).toBeGreaterThan(1);
    expect(container.args).toEqual(JSON.parse(instruction('CMD')));
    const port = Number(container.args[container.args.indexOf('--metrics-port') + 1]);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: port, protocol: 'TCP' }]);
    expect(String(port)).toBe(instruction('EXPOSE'));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) });

    // The flow file the args name is the ConfigMap's key, mounted read-only.
    const flowPath = container.args[1]!;
    const flowMount = container.volumeMounts.find((mount) => flowPath.startsWith(`${mount.mountPath}/`));
    expect(flowMount).toBeDefined();
    expect(pod.volumes.find((volume) => volume.name === flowMount!.name)?.configMap?.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data)).toContain(flowPath.slice(flowMount!.mountPath.length + 1));

    // Non-root with a read-only root filesystem; /tmp (tsx's compile cache) is the one writable place.
    const user = Number(instruction('USER').split(':')[0]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: user });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const tmpMount = container.volumeMounts.find((mount) => mount.mountPath === '/tmp');
    expect(pod.volumes.find((volume) => volume.name === tmpMount?.name)?.emptyDir).toBeDefined();

    // SIGTERM drain: the kubelet waits longer than the flow's shutdownTimeoutMs before it kills.
    const flow = parseAllDocuments(configMap.data['flow.yaml']!)[0]!.toJS() as { settings?: unknown };
    const { shutdownTimeoutMs } = FlowSettingsSchema.parse(flow.settings ?? {});
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownTimeoutMs);
  });
});

describe('deploy/healthcheck.mjs', () => {
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/healthz') response.writeHead(200).end('ok');
      else response.writeHead(503, { 'content-type': 'application/json' }).end('{"ok":false,"reason":"engine failed"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const check = (url: string) =>
    run(process.execPath, [join(ROOT, 'deploy', 'healthcheck.mjs')], { env: { HEALTHCHECK_URL: url, HEALTHCHECK_TIMEOUT_MS: '2000' } }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  it('exits 0 when /healthz answers 200', async () => {
    expect(await check(`${base}/healthz`)).toEqual({ code: 0, stdout: `healthy: ${base}/healthz answered 200\n` });
  });

  it('exits 1 on a 503, with the reason', async () => {
    const result = await check(`${base}/failing`);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('answered 503: {"ok":false,"reason":"engine failed"}');
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await check(`http://127.0.0.1:${port}/healthz`);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ECONNREFUSED');
  });
});
