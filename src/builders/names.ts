// Kubernetes names for ECS names. ECS allows names Kubernetes refuses (`log_router`, `Web`, 255 characters); these
// rules turn them into valid, stable, collision-free names. docs/mapping.md ("Names") describes them.
import { createHash } from "node:crypto";

/** The first `length` hex digits of the SHA-256 of `text`: the disambiguating suffix of rewritten names. */
export function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name) && name.split(".").every((part) => part.length > 0);
}

/** Lowercase; every run of characters outside [a-z0-9] (and `.` when `dots`) becomes one `-`; no `-`/`.` at the ends. */
function sanitize(name: string, dots: boolean): string {
  const invalid = dots ? /[^a-z0-9.]+/g : /[^a-z0-9]+/g;
  return name
    .toLowerCase()
    .replace(invalid, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-?\.-?/g, ".")
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
  if (name.length <= max && DNS_LABEL.test(name)) return name;
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

const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A label value for `value`: kept when valid; otherwise invalid characters become `-`, cut to 63 with a hash. */
export function toLabelValue(value: string): string {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return value;
  const clean = value.replace(/[^-A-Za-z0-9_.]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (clean.length <= 63 && LABEL_VALUE.test(clean)) return clean;
  const suffix = shortHash(value);
  return `${clean.slice(0, 63 - suffix.length - 1).replace(/[^A-Za-z0-9]+$/g, "")}-${suffix}`.replace(/^-/, "");
}

const ANNOTATION_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Whether `name` is valid as the name part (after the prefix) of an annotation key. */
export function isAnnotationName(name: string): boolean {
  return name.length <= 63 && ANNOTATION_NAME.test(name);
}
