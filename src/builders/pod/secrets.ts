// AWS references of a task definition as Kubernetes object names, never dereferenced against AWS: secrets
// (Secrets Manager and SSM Parameter Store) → a key of a Secret, repositoryCredentials → an image pull Secret,
// environmentFiles (S3 objects) → a ConfigMap. docs/mapping.md ("Secrets and references") states the rules.
import { toDnsSubdomain } from "../names.ts";

/** How Secret names are formed. */
export interface SecretNaming {
  /** Put in front of every Secret and ConfigMap name derived from an AWS reference (e.g. "aws-"). Default "". */
  readonly prefix?: string;
  /** The key used when a reference names no JSON key (Secrets Manager) or for a parameter (SSM). Default "value". */
  readonly defaultKey?: string;
}

const DEFAULT_SECRET_KEY = "value";

/** Where a secret reference points: a Secret and a key in it. */
export interface SecretKeyReference {
  readonly secretName: string;
  readonly key: string;
  /** What AWS holds it in. */
  readonly source: "secretsmanager" | "ssm";
  /** Parts of the reference Kubernetes cannot honour (a version stage or id), to report. */
  readonly ignored?: string;
}

const SECRETS_MANAGER_ARN = /^arn:[a-z-]+:secretsmanager:[^:]*:[^:]*:secret:([^:]+)(?::([^:]*)(?::([^:]*)(?::([^:]*))?)?)?$/;
const SSM_ARN = /^arn:[a-z-]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/;
/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

function secretName(name: string, naming: SecretNaming | undefined): string {
  return toDnsSubdomain(`${naming?.prefix ?? ""}${name}`);
}

function secretKey(key: string): string {
  return SECRET_KEY.test(key) ? key : key.replace(/[^-._a-zA-Z0-9]+/g, "_");
}

/**
 * The Secret and key for a `valueFrom`:
 * - Secrets Manager `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf[:JSON_KEY[:STAGE[:VERSION_ID]]]` →
 *   Secret NAME (the six-character suffix removed), key JSON_KEY or the default key;
 * - SSM `arn:aws:ssm:REGION:ACCOUNT:parameter/PATH` or a bare `PATH` / `/PATH` → Secret PATH, the default key;
 * names made DNS-1123 subdomains (lowercase, `/` `_` `+` `=` `@` and other characters → `-`), after the prefix.
 * Returns undefined for a value that is none of these (empty).
 */
export function secretKeyReference(valueFrom: string, naming?: SecretNaming): SecretKeyReference | undefined {
  const defaultKey = naming?.defaultKey ?? DEFAULT_SECRET_KEY;
  const sm = SECRETS_MANAGER_ARN.exec(valueFrom);
  if (sm) {
    const name = (sm[1] ?? "").replace(RANDOM_SUFFIX, "");
    const [jsonKey, stage, versionId] = [sm[2] ?? "", sm[3] ?? "", sm[4] ?? ""];
    const ignored = [stage !== "" && stage !== "AWSCURRENT" ? `version stage ${stage}` : "", versionId !== "" ? `version id ${versionId}` : ""]
      .filter((s) => s !== "")
      .join(" and ");
    if (name === "") return undefined;
    return {
      secretName: secretName(name, naming),
      key: secretKey(jsonKey === "" ? defaultKey : jsonKey),
      source: "secretsmanager",
      ...(ignored === "" ? {} : { ignored }),
    };
  }
  const ssm = SSM_ARN.exec(valueFrom);
  const path = ssm ? (ssm[1] ?? "") : valueFrom.startsWith("arn:") ? "" : valueFrom;
  const name = path.replace(/^\/+/, "");
  if (name.trim() === "") return undefined;
  return { secretName: secretName(name, naming), key: secretKey(defaultKey), source: "ssm" };
}

/**
 * The image pull Secret (type kubernetes.io/dockerconfigjson) for repositoryCredentials.credentialsParameter: the
 * Secret named by the same rule as secretKeyReference (a Secrets Manager ARN without its suffix, or a name).
 */
export function imagePullSecretName(credentialsParameter: string, naming?: SecretNaming): string | undefined {
  return secretKeyReference(credentialsParameter, naming)?.secretName;
}

const S3_ARN = /^arn:[a-z-]+:s3:::([^/]+)\/(.+)$/;

/**
 * The ConfigMap for an environment file `arn:aws:s3:::BUCKET/KEY`: named BUCKET-KEY made a DNS-1123 subdomain
 * (`arn:aws:s3:::my-bucket/prod/app.env` → `my-bucket-prod-app.env`), after the prefix; undefined when `value` is
 * not an S3 object ARN.
 */
export function environmentFileConfigMapName(value: string, naming?: SecretNaming): string | undefined {
  const m = S3_ARN.exec(value);
  if (!m) return undefined;
  return toDnsSubdomain(`${naming?.prefix ?? ""}${m[1] ?? ""}-${m[2] ?? ""}`);
}
