// The one error for a spec the controllers cannot act on. Builders and plans throw it with the field and why; the
// runtime shows it as Stalled=True with `conditionReason` and does not retry until the object changes. Every other
// error is transient and retried with backoff.

export class SpecError extends Error {
  /** The spec path at fault (`spec.placementConstraints[1].expression`); "" when no single field is. */
  readonly field: string;
  /** Why, and where possible the fix. */
  readonly reason: string;
  /** The CamelCase condition reason Stalled carries (each kind's reasons live next to its status type). */
  readonly conditionReason: string;
  /** For expression errors: the 1-based column (the reason says it too). */
  readonly column: number | undefined;

  constructor(field: string, reason: string, conditionReason = "InvalidSpec", column?: number) {
    super(`${field === "" ? "" : `${field}: `}${reason}`);
    this.name = "SpecError";
    this.field = field;
    this.reason = reason;
    this.conditionReason = conditionReason;
    this.column = column;
  }

  /** The same error under another condition reason or below another path (`spec.` + field). */
  with(change: { conditionReason?: string; prefix?: string }): SpecError {
    const field = change.prefix === undefined ? this.field : this.field === "" ? change.prefix.replace(/\.$/, "") : `${change.prefix}${this.field}`;
    return new SpecError(field, this.reason, change.conditionReason ?? this.conditionReason, this.column);
  }
}
