// Equal strings shared between cached objects. JSON.parse makes a new string for every value it reads, so 15,000
// cached pods hold 15,000 copies of their namespace, image, condition types and reasons, and of every creation
// second; in a heap snapshot of the operator at 5,000 services a quarter of the live heap (34 of 145 MiB) was such
// copies (docs/performance.md). The informers pass each object they cache through internValues, which replaces its
// string values by the table's copy. The table is bounded: when it is full it starts afresh, so strings seen once
// (names, uids, resource versions) never accumulate, and an object cached before keeps the copy it was given.

/** Strings longer than this are left alone: rarely repeated, and comparing them costs more than it saves. */
const MAX_LENGTH = 512;

export class StringTable {
  private readonly table = new Map<string, string>();
  private readonly maxEntries: number;

  constructor(maxEntries = 65_536) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.table.size;
  }

  /** The table's copy of `s` (`s` itself when it is new). */
  intern(s: string): string {
    const known = this.table.get(s);
    if (known !== undefined) return known;
    if (this.table.size >= this.maxEntries) this.table.clear();
    this.table.set(s, s);
    return s;
  }

  /**
   * Replaces every string value of `value` (in objects and arrays, at any depth; keys are left, JSON.parse already
   * shares them) by the table's copy, in place, and returns it. Equal strings are indistinguishable, so no reader
   * of the object can tell.
   */
  internValues<T>(value: T): T {
    this.walk(value);
    return value;
  }

  private walk(value: unknown): void {
    // A frozen object (a shared constant of a transform) cannot be written, and holds no parsed strings.
    if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
    const o = value as Record<string, unknown>;
    // An array's indexes are its keys too.
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (typeof v === "string") {
        if (v.length <= MAX_LENGTH) o[k] = this.intern(v);
      } else this.walk(v);
    }
  }
}

/** The table every informer of the process shares (a namespace or an image is the same string in every kind). */
export const sharedStrings = new StringTable();
