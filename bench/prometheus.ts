// Reads the operator's /metrics (Prometheus text format) into samples, and sums them by label: the bench takes
// reconciles, writes, queue waits and memory from there, exactly as a user's Prometheus would see them.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of a text exposition; comments and blank lines are skipped, a malformed line throws naming it. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`metrics: cannot read the line ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1] ?? ""] = (l[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
    samples.push({ name: m[1] ?? "", labels, value });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `match`. */
export function total(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

/** The samples of `name` summed by the values of `labels` joined with a space ("apply Deployment"). */
export function sumBy(samples: readonly Sample[], name: string, labels: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = labels.map((l) => s.labels[l] ?? "").join(" ");
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** after − before per key, keeping keys that moved (counters restart at 0 with the process, so before may lack a key). */
export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export const sumValues = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** Heap used and total per V8 space, from prom-client's nodejs_heap_space_size_{used,total}_bytes{space}. */
export function heapSpaces(samples: readonly Sample[], prefix = "ecs_operator_"): Record<string, { usedBytes: number; totalBytes: number }> {
  const out: Record<string, { usedBytes: number; totalBytes: number }> = {};
  for (const s of samples) {
    const used = s.name === `${prefix}nodejs_heap_space_size_used_bytes`;
    if (!used && s.name !== `${prefix}nodejs_heap_space_size_total_bytes`) continue;
    const space = s.labels.space ?? "";
    const entry = (out[space] ??= { usedBytes: 0, totalBytes: 0 });
    if (used) entry.usedBytes += s.value;
    else entry.totalBytes += s.value;
  }
  return out;
}
