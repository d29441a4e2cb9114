// Kubernetes names for ECS names. ECS allows names Kubernetes refuses (`log_router`, `Web`, 255 characters); these
// rules turn them into valid, stable, collision-free names. docs/mapping.md ("Names") describes them.
import { createHash } from "node:crypto";

/** The first `length` hex digits of the SHA-256 of `text`: the disambiguating suffix of rewritten names. */
function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

// ---------------------------------------------------------------- validation, as the API server does it
// One set of checks for every name the operator writes or takes from a flag, with the rules of
// k8s.io/apimachinery/pkg/util/validation, so that a name accepted here is never refused by the API server.

/** One DNS-1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** One DNS-1035 label: a DNS-1123 label that starts with a letter. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 labels joined by single dots: every label starts and ends alphanumeric (`app-.role` does not). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label value, and the name part of a label or annotation key: alphanumeric at both ends, `-_.` inside. */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A DNS-1123 label (IsDNS1123Label): a container, port or Service-style name, at most 63 characters. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** A DNS-1035 label (IsDNS1035Label): a Service name, which must start with a letter; at most 63 characters. */
export function isDns1035Label(name: string): boolean {
  return name.length <= 63 && DNS_1035_LABEL.test(name);
}

/**
 * A DNS-1123 subdomain (IsDNS1123Subdomain): most object names, host names, scheduler names; at most 253
 * characters. Like the API server it does not cap each label at 63 (isDnsDomain does).
 */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** A DNS domain a resolver accepts: a DNS-1123 subdomain whose every label is at most 63 characters. */
export function isDnsDomain(name: string): boolean {
  return isDnsSubdomain(name) && name.split(".").every((label) => label.length <= 63);
}

/** A label value (IsValidLabelValue): empty, or at most 63 characters of the qualified-name alphabet. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

/** The name part (after the optional `prefix/`) of a label or annotation key: 1 to 63 characters. */
export function isAnnotationName(name: string): boolean {
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** A label or annotation key (IsQualifiedName): `name` or `prefix/name`, the prefix a DNS-1123 subdomain. */
export function isLabelKey(key: string): boolean {
  const parts = key.split("/");
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? [parts[0] ?? "", parts[1] ?? ""] : [undefined, parts[0] ?? ""];
  return (prefix === undefined || isDnsSubdomain(prefix)) && isAnnotationName(name);
}

// ---------------------------------------------------------------- conversion

/** Lowercase; every run of characters outside [a-z0-9] (and `.` when `dots`) becomes one `-`; no `-`/`.` at the ends. */
function sanitize(name: string, dots: boolean): string {
  const invalid = dots ? /[^a-z0-9.]+/g : /[^a-z0-9]+/g;
  return name
    .toLowerCase()
    .replace(invalid, "-")
    .replace(/-*\.-*/g, ".")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-.]+|[-.]+$/g, "");
}

/** `text` cut to `max` characters with `-<hash of source>` at the end, still without `-` or `.` before the hash. */
function withHash(text: string, source: string, max: number): string {
  const suffix = shortHash(source);
  const head = text.slice(0, max - suffix.length - 1).replace(/[-.]+$/g, "");
  return head === "" ? suffix : `${head}-${suffix}`;
}

/**
 * A DNS-1123 label (≤ 63) for `name`: the name itself when valid; otherwise lowercased with invalid characters as
 * `-`, and cut to 63 with a hash of the original when longer. `web` → `web`, `log_router` → `log-router`.
 */
export function toDnsLabel(name: string, max = 63): string {
  if (name.length <= max && isDnsLabel(name)) return name;
  const clean = sanitize(name, false);
  if (clean !== "" && clean.length <= max) return clean;
  return withHash(clean, name, max);
}

/** A DNS-1123 subdomain (≤ 253) for `name`, by the same rule as toDnsLabel (dots are kept). */
export function toDnsSubdomain(name: string, max = 253): string {
  if (isDnsSubdomain(name) && name.length <= max) return name;
  const clean = sanitize(name, true);
  if (clean !== "" && clean.length <= max) return clean;
  return withHash(clean, name, max);
}

/**
 * Kubernetes names for a set of ECS names that must not collide (containers of a pod, volumes of a pod). A name that
 * is already a valid DNS label is kept. A rewritten name (toDnsLabel) gets `-<hash of the ECS name>` when another
 * name of the set already has it, so `Web` next to `web` becomes `web-<hash>`, and `web` stays `web`.
 * `reserved` names are taken in advance (for example generated volume names).
 */
export function uniqueDnsLabels(names: readonly string[], reserved: Iterable<string> = []): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set(reserved);
  for (const name of names) {
    if (isDnsLabel(name) && !taken.has(name)) {
      out.set(name, name);
      taken.add(name);
    }
  }
  const rewritten = names.filter((n) => !out.has(n));
  const counts = new Map<string, number>();
  for (const name of rewritten) counts.set(toDnsLabel(name), (counts.get(toDnsLabel(name)) ?? 0) + 1);
  for (const name of rewritten) {
    let candidate = toDnsLabel(name);
    if (taken.has(candidate) || (counts.get(candidate) ?? 0) > 1) candidate = withHash(sanitize(name, false), name, 63);
    for (let i = 2; taken.has(candidate); i++) candidate = withHash(sanitize(name, false), `${name}#${i}`, 63);
    out.set(name, candidate);
    taken.add(candidate);
  }
  return out;
}

/** Takes names for generated objects (volumes) without colliding with names already used. */
export class NameAllocator {
  private readonly taken: Set<string>;
  constructor(taken: Iterable<string> = []) {
    this.taken = new Set(taken);
  }
  /** `preferred` made a DNS label; with `-<hash of source>` when it is taken. */
  allocate(preferred: string, source: string): string {
    let name = toDnsLabel(preferred);
    for (let i = 1; this.taken.has(name); i++) name = withHash(sanitize(preferred, false), `${source}#${i}`, 63);
    this.taken.add(name);
    return name;
  }
}

const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Whether `name` is a valid container port name (IANA service name: ≤ 15, a letter, no `--`). */
export function isPortName(name: string): boolean {
  return name.length <= 15 && PORT_NAME.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

/**
 * A container port name for an ECS portMappings name: kept when valid; otherwise `_` and other characters become
 * `-` (runs collapsed), and a name longer than 15 keeps its first 8 characters plus `-<6-digit hash>`; a name
 * without a letter gets a `p` in front. `taken` holds the names already used in the pod.
 */
export function toPortName(name: string, taken: ReadonlySet<string>): string {
  if (isPortName(name) && !taken.has(name)) return name;
  let clean = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (!/[a-z]/.test(clean)) clean = `p${clean}`;
  if (isPortName(clean) && !taken.has(clean)) return clean;
  for (let i = 0; ; i++) {
    const head = clean.slice(0, 8).replace(/-+$/g, "");
    const candidate = `${head}-${shortHash(i === 0 ? name : `${name}#${i}`)}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A label value for `value`: kept when valid; otherwise invalid characters become `-`, cut to 63 with a hash. */
export function toLabelValue(value: string): string {
  if (isLabelValue(value)) return value;
  const clean = value.replace(/[^-A-Za-z0-9_.]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (isLabelValue(clean)) return clean;
  const suffix = shortHash(value);
  return `${clean.slice(0, 63 - suffix.length - 1).replace(/[^A-Za-z0-9]+$/g, "")}-${suffix}`.replace(/^-/, "");
}
