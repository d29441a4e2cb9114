// Reading the files convert and render are given, which may be untrusted (a pull request's manifests): bounded in
// size, in nesting, in aliases and in the number of values once aliases are expanded, so that no input makes the
// command run for long, use much memory or crash; and every refusal is one line naming the file. docs/cli.md.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { loadAll } from "js-yaml";
import { CliError } from "./convert.ts";

export const INPUT_LIMITS = {
  /** Bytes read from one file (or stdin): far above any manifest, far below what could exhaust memory. */
  maxBytes: 4 * 1024 * 1024,
  /** Nesting of objects and lists: Kubernetes objects nest about 15 deep. */
  maxDepth: 64,
  /** Alias nodes (`*name`) per document. */
  maxAliases: 1000,
  /** Values in one file, counting an aliased subtree each time it is used (what an alias bomb inflates). */
  maxValues: 1_000_000,
  /** Characters of one string: the API server stores at most about 1.5 MB per object, so no longer value applies. */
  maxStringChars: 1024 * 1024,
  /** Documents in one file. */
  maxDocuments: 10_000,
  /** Characters of an input value quoted in a message. */
  maxQuotedChars: 200,
} as const;

const BOM = "\uFEFF";

/** `text` cut to `max` characters, saying how much was left out (messages quote input, never all of it). */
export function clip(text: string, max: number = INPUT_LIMITS.maxQuotedChars): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The first line of an error's message, clipped: parsers put whole snippets of the input in theirs. */
export function firstLine(err: unknown, max = 500): string {
  const text = err instanceof Error ? err.message : String(err);
  return clip(text.split("\n")[0] ?? "", max);
}

/** The text of `file` ("-": stdin), refused past maxBytes without reading it all; a byte-order mark is dropped. */
export function readInput(file: string, maxBytes: number = INPUT_LIMITS.maxBytes): string {
  let fd: number;
  try {
    fd = file === "-" ? 0 : openSync(file, "r");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`${file}: cannot read: ${e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "is a directory" : firstLine(e)}`);
  }
  try {
    if (file !== "-") {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw new CliError(`${file}: cannot read: is a directory`);
      if (stat.isFile() && stat.size > maxBytes) throw new CliError(`${file}: ${stat.size} bytes, more than the ${maxBytes} this command reads from one file`);
    }
    // Read in chunks up to one byte past the limit: a pipe or device says nothing of its size beforehand.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === "EAGAIN") continue;
        if (e.code === "EOF") break;
        throw new CliError(`${file}: cannot read: ${e.code === "EISDIR" ? "is a directory" : firstLine(e)}`);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new CliError(`${file}: more than the ${maxBytes} bytes this command reads from one file`);
      chunks.push(chunk.subarray(0, n));
    }
    const text = Buffer.concat(chunks).toString("utf8");
    return text.startsWith(BOM) ? text.slice(1) : text;
  } finally {
    if (file !== "-") closeSync(fd);
  }
}

/** JSON input, checked like YAML once parsed (JSON.parse itself is bounded by the size of the text). */
export function parseJsonInput(text: string, file: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: not valid JSON: ${firstLine(err)}`);
  }
  checkShape([doc], file);
  return doc;
}

/** The YAML documents of `text`, parsed with the limits above. */
export function parseYamlInput(text: string, file: string): unknown[] {
  // Counted before parsing: every document costs memory even when it is empty.
  const markers = text.match(/^---/gm)?.length ?? 0;
  if (markers > INPUT_LIMITS.maxDocuments) throw new CliError(`${file}: ${markers} documents, more than the ${INPUT_LIMITS.maxDocuments} this command reads from one file`);
  let docs: unknown[];
  try {
    docs = loadAll(text, { filename: file, maxDepth: INPUT_LIMITS.maxDepth, maxAliases: INPUT_LIMITS.maxAliases });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(`${file}: not valid YAML: nested too deep (more than ${INPUT_LIMITS.maxDepth} levels)`);
    throw new CliError(`${file}: not valid YAML: ${firstLine(err)}`);
  }
  checkShape(docs, file);
  return docs;
}

/**
 * Refuses documents that nest deeper than maxDepth, refer to themselves (an alias inside its own anchor), or hold
 * more than maxValues values with aliases expanded: what every later step (admission, conversion, printing) would
 * otherwise walk without end. The walk itself stops at the first limit, so it is bounded too.
 */
function checkShape(docs: readonly unknown[], file: string): void {
  let values = 0;
  const ancestors = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): void => {
    values++;
    if (values > INPUT_LIMITS.maxValues) throw new CliError(`${file}: more than ${INPUT_LIMITS.maxValues} values once aliases are expanded (an alias bomb?)`);
    if (typeof v === "string" && v.length > INPUT_LIMITS.maxStringChars) {
      throw new CliError(`${file}: ${clip(path)}: a string of ${v.length} characters, more than the ${INPUT_LIMITS.maxStringChars} an object can hold`);
    }
    if (typeof v !== "object" || v === null) return;
    if (depth > INPUT_LIMITS.maxDepth) throw new CliError(`${file}: ${clip(path)}: nested more than ${INPUT_LIMITS.maxDepth} levels deep`);
    if (ancestors.has(v)) throw new CliError(`${file}: ${clip(path)}: refers to itself (an alias inside its own anchor)`);
    ancestors.add(v);
    if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`, depth + 1);
    else for (const [k, x] of Object.entries(v)) {
      if (k.length > INPUT_LIMITS.maxStringChars) throw new CliError(`${file}: ${clip(path === "" ? k : `${path}.${k}`)}: a key of ${k.length} characters`);
      walk(x, path === "" ? clip(k, 60) : `${path}.${clip(k, 60)}`, depth + 1);
    }
    ancestors.delete(v);
  };
  for (const [i, doc] of docs.entries()) walk(doc, docs.length > 1 ? `(document ${i + 1})` : "", 0);
}
