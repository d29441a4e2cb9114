// The naming rules buildPodTemplate relies on (docs/mapping.md, "Names" and "Secrets and references"), one row per
// rule: ECS names → DNS labels, port names, label values, and AWS references → Secret, key and ConfigMap names.
import { describe, expect, it } from "vitest";
import { isDnsLabel, isPortName, toDnsLabel, toDnsSubdomain, toLabelValue, toPortName, uniqueDnsLabels } from "../../../src/builders/names.ts";
import { splitTaskSize } from "../../../src/builders/pod/resources.ts";
import { environmentFileConfigMapName, imagePullSecretName, secretKeyReference } from "../../../src/builders/pod/secrets.ts";

describe("container and volume names", () => {
  it.each([
    ["a valid name is kept", "web", "web"],
    ["underscores become hyphens", "log_router", "log-router"],
    ["uppercase is lowercased", "Sample_Windows_App", "sample-windows-app"],
    ["runs of other characters become one hyphen, none at the ends", "_a..b__", "a-b"],
  ])("%s: %s → %s", (_, name, expected) => {
    expect(toDnsLabel(name)).toBe(expected);
  });

  it("a name longer than 63 is cut with a hash of the original, so two long names stay apart", () => {
    const a = toDnsLabel(`${"x".repeat(70)}a`);
    const b = toDnsLabel(`${"x".repeat(70)}b`);
    expect(a).toHaveLength(63);
    expect(isDnsLabel(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it("a name with no usable character becomes its hash", () => {
    expect(toDnsLabel("___")).toMatch(/^[0-9a-f]{6}$/);
  });

  it("rewritten names that collide get a hash; a valid name keeps its own", () => {
    const names = uniqueDnsLabels(["app_1", "app-1", "App_1"]);
    expect(names.get("app-1")).toBe("app-1");
    expect(names.get("app_1")).toMatch(/^app-1-[0-9a-f]{6}$/);
    expect(names.get("App_1")).toMatch(/^app-1-[0-9a-f]{6}$/);
    expect(new Set(names.values()).size).toBe(3);
  });

  it("the rule is stable: the same names give the same result", () => {
    expect(uniqueDnsLabels(["Web", "web"])).toEqual(uniqueDnsLabels(["Web", "web"]));
  });

  it("subdomains keep dots: prod/DB.main → prod-db.main", () => {
    expect(toDnsSubdomain("prod/DB.main")).toBe("prod-db.main");
  });
});

describe("port names", () => {
  it.each([
    ["a valid name is kept", "http", "http"],
    ["underscores become hyphens", "grpc_api", "grpc-api"],
    ["a name without a letter gets a p in front", "8080", "p8080"],
  ])("%s: %s → %s", (_, name, expected) => {
    expect(toPortName(name, new Set())).toBe(expected);
  });

  it("a name longer than 15 keeps 8 characters and a hash", () => {
    const name = toPortName("metrics-exporter-port", new Set());
    expect(name).toMatch(/^metrics-[0-9a-f]{6}$/);
    expect(isPortName(name)).toBe(true);
  });

  it("a taken name gets a hash", () => {
    expect(toPortName("http", new Set(["http"]))).toMatch(/^http-[0-9a-f]{6}$/);
  });
});

describe("label values", () => {
  it.each([
    ["a family is kept", "web_app-2", "web_app-2"],
    ["a family of 100 characters is cut to 63 with a hash", "f".repeat(100), /^f{56}-[0-9a-f]{6}$/],
  ])("%s", (_, value, expected) => {
    if (typeof expected === "string") expect(toLabelValue(value)).toBe(expected);
    else expect(toLabelValue(value)).toMatch(expected);
  });
});

describe("secret references", () => {
  it.each([
    ["Secrets Manager ARN: the random suffix is dropped, default key value", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-Xy12Ab", { secretName: "db", key: "value", source: "secretsmanager" }],
    ["Secrets Manager ARN with a JSON key", "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-Xy12Ab:username::", { secretName: "app-db", key: "username", source: "secretsmanager" }],
    ["Secrets Manager ARN in another partition", "arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:db-Xy12Ab", { secretName: "db", key: "value", source: "secretsmanager" }],
    ["Secrets Manager ARN with a version id", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-Xy12Ab:::0123-4567", { secretName: "db", key: "value", source: "secretsmanager", ignored: "version id 0123-4567" }],
    ["a JSON key with characters a Secret key refuses → _", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-Xy12Ab:user name::", { secretName: "db", key: "user_name", source: "secretsmanager" }],
    ["SSM parameter ARN", "arn:aws:ssm:us-east-1:111122223333:parameter/app/prod/db_url", { secretName: "app-prod-db-url", key: "value", source: "ssm" }],
    ["SSM parameter by path", "/app/prod/db_url", { secretName: "app-prod-db-url", key: "value", source: "ssm" }],
    ["SSM parameter by bare name", "DB_URL", { secretName: "db-url", key: "value", source: "ssm" }],
  ])("%s", (_, valueFrom, expected) => {
    expect(secretKeyReference(valueFrom)).toEqual(expected);
  });

  it("an empty valueFrom or another service's ARN is no reference", () => {
    expect(secretKeyReference("")).toBeUndefined();
    expect(secretKeyReference("arn:aws:s3:::bucket/key")).toBeUndefined();
  });

  it("the image pull secret follows the same rule", () => {
    expect(imagePullSecretName("arn:aws:secretsmanager:us-east-1:111122223333:secret:dockerhub-AbCdEf")).toBe("dockerhub");
  });

  it("environment files: arn:aws:s3:::BUCKET/KEY → ConfigMap BUCKET-KEY; s3:// URLs are not ARNs", () => {
    expect(environmentFileConfigMapName("arn:aws:s3:::Team-Bucket/envs/prod.env", { prefix: "s3-" })).toBe("s3-team-bucket-envs-prod.env");
    expect(environmentFileConfigMapName("s3://bucket/prod.env")).toBeUndefined();
  });
});

describe("splitTaskSize", () => {
  it.each<[string, number, (number | undefined)[], number[], number, number[]]>([
    ["explicit values kept, the rest shared evenly", 1024, [256, undefined, undefined], [0, 0, 0], 0, [256, 384, 384]],
    ["rounding leftovers to the receiver", 1000, [undefined, undefined, undefined], [0, 0, 0], 1, [333, 334, 333]],
    ["everything explicit: the remainder to the receiver", 1024, [256, 256], [0, 0], 1, [256, 768]],
    ["a share never below the container's floor", 1024, [768, undefined], [0, 512], 0, [768, 512]],
  ])("%s", (_, total, fixed, floors, receiver, expected) => {
    expect(splitTaskSize(total, fixed, floors, receiver, "memory")).toEqual(expected);
  });

  it("values above the total are refused, naming the field", () => {
    expect(() => splitTaskSize(512, [1024], [0], 0, "memory")).toThrow(/spec.memory: the containers reserve 1024 MiB in total, more than the task's memory \(512\)/);
  });
});
