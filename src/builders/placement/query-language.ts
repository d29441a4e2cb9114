// The ECS cluster query language (`placementConstraints[].expression` of a memberOf constraint): a hand-written
// tokenizer and recursive-descent parser whose errors point at a column, and a pure compiler to Kubernetes node
// affinity (plus pod (anti-)affinity for task:group). The mapping and its limits are in docs/placement.md.
import { createHash } from "node:crypto";
import type {
  V1NodeAffinity,
  V1NodeSelectorRequirement,
  V1NodeSelectorTerm,
  V1PodAffinity,
  V1PodAffinityTerm,
  V1PodAntiAffinity,
} from "@kubernetes/client-node";
import { isLabelKey, isLabelValue } from "../names.ts";
import { ARCH_LABEL, GROUP_LABEL, HOSTNAME_LABEL, INSTANCE_TYPE_LABEL, OS_LABEL, UNSATISFIABLE_LABEL, ZONE_LABEL } from "../../api/keys.ts";

// ---------------------------------------------------------------- syntax tree

/** Operators in their symbol spelling; the word spellings (equals, not_in, ...) parse to the same. */
export type ComparisonOperator = "==" | "!=" | ">" | ">=" | "<" | "<=" | "exists" | "!exists" | "in" | "!in" | "=~" | "!~";

/** Subjects that are fields of the container instance rather than attributes. */
export type QueryField = "agentConnected" | "agentVersion" | "ec2InstanceId" | "registeredAt" | "runningTasksCount";

export type QuerySubject =
  | { readonly kind: "attribute"; readonly name: string }
  | { readonly kind: "field"; readonly name: QueryField }
  | { readonly kind: "taskGroup" };

/** A literal argument as written: `column` is where it starts (its opening quote when quoted). */
export interface QueryValue {
  readonly text: string;
  readonly column: number;
  readonly quoted: boolean;
}

/** `subject operator [argument]`. `args` is empty for exists/!exists, one value for scalars, the list for in/!in. */
export interface QueryComparison {
  readonly kind: "compare";
  readonly subject: QuerySubject;
  readonly operator: ComparisonOperator;
  readonly args: readonly QueryValue[];
  readonly column: number;
  readonly operatorColumn: number;
}

export interface QueryBinary {
  readonly kind: "and" | "or";
  readonly left: QueryNode;
  readonly right: QueryNode;
  /** Where the `&&` / `and` / `||` / `or` is. */
  readonly column: number;
}

export interface QueryNot {
  readonly kind: "not";
  readonly operand: QueryNode;
  readonly column: number;
}

export type QueryNode = QueryComparison | QueryBinary | QueryNot;

/** A parsed expression: the tree and the text it came from (errors found later still point into it). */
export interface QueryAst {
  readonly source: string;
  readonly root: QueryNode;
}

// ---------------------------------------------------------------- errors

/**
 * A refused expression. `column` is 1-based (UTF-16 code units, as JavaScript counts them). `reason` reads on its
 * own (`unexpected "&&" at column 32, expected a value after "=="`); `message` prefixes it for logs.
 */
export class QueryError extends Error {
  readonly expression: string;
  readonly column: number;
  readonly reason: string;

  constructor(expression: string, column: number, reason: string) {
    super(`memberOf expression: ${reason}`);
    this.name = "QueryError";
    this.expression = expression;
    this.column = column;
    this.reason = reason;
  }
}

/** The line that goes under the expression: spaces, then `^` at `column`. */
export function caretLine(column: number): string {
  return `${" ".repeat(Math.max(0, column - 1))}^`;
}

/** The message, the expression and a caret under the column, for events and `kubectl describe`. */
export function renderQueryError(error: QueryError): string {
  return `${error.message}\n  ${error.expression}\n  ${caretLine(error.column)}`;
}

// ---------------------------------------------------------------- vocabulary

const FIELDS: ReadonlySet<string> = new Set<QueryField>(["agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount"]);

const ALL_OPERATORS: readonly ComparisonOperator[] = ["==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~"];

// The ECS documentation lists the valid operators of each field; attributes take them all.
const FIELD_OPERATORS: Readonly<Record<QueryField | "task:group", readonly ComparisonOperator[]>> = {
  agentConnected: ["==", "!=", "in", "!in", "=~", "!~"],
  agentVersion: ["==", "!=", ">", ">=", "<", "<="],
  ec2InstanceId: ["==", "!=", "in", "!in", "=~", "!~"],
  registeredAt: ["==", "!=", ">", ">=", "<", "<="],
  runningTasksCount: ["==", "!=", ">", ">=", "<", "<="],
  // Not listed by the documentation; ordering makes no sense for a group name.
  "task:group": ["==", "!=", "in", "!in", "exists", "!exists", "=~", "!~"],
};

// Longest first: `!exists` before `!=`... is not needed (different second char) but `>=` must precede `>`.
const SYMBOL_OPERATORS: readonly (readonly [string, ComparisonOperator])[] = [
  ["!exists", "!exists"],
  ["!in", "!in"],
  ["==", "=="],
  ["!=", "!="],
  [">=", ">="],
  ["<=", "<="],
  ["=~", "=~"],
  ["!~", "!~"],
  [">", ">"],
  ["<", "<"],
];

const WORD_OPERATORS: ReadonlyMap<string, ComparisonOperator> = new Map<string, ComparisonOperator>([
  ["equals", "=="],
  ["not_equals", "!="],
  ["greater_than", ">"],
  ["greater_than_equal", ">="],
  ["less_than", "<"],
  ["less_than_equal", "<="],
  ["exists", "exists"],
  ["not_exists", "!exists"],
  ["in", "in"],
  ["not_in", "!in"],
  ["matches", "=~"],
  ["not_matches", "!~"],
]);

const SUBJECTS_HINT = "attribute:<name>, agentConnected, agentVersion, ec2InstanceId, registeredAt, runningTasksCount or task:group";
const OPERATORS_HINT = "==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~ or a word form such as equals";
// ECS custom attribute names: 1 to 128 letters, digits, hyphens, underscores, slashes, back slashes or periods.
const ATTRIBUTE_NAME = /^[A-Za-z0-9_./\\-]{1,128}$/;
// registeredAt: the date formats the ECS documentation lists.
const REGISTERED_AT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?)?$/;

// ---------------------------------------------------------------- tokenizer

type TokenKind = "(" | ")" | "and" | "or" | "not" | "word" | "end" | "other";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly column: number;
  readonly end: number;
}

const isSpace = (c: string): boolean => c !== "" && /\s/.test(c);
const isQuote = (c: string): boolean => c === "'" || c === '"';
const SYMBOL_CHARS = "!=<>~&|";
// Where a subject or keyword ends: `not(`, `attribute:x==y` and `a&&b` split without spaces.
const WORD_STOP = "()[],'\"" + SYMBOL_CHARS;

/**
 * The tokenizer is driven by the parser, because what a character means depends on the position: `!` is `not`
 * before a subject but starts `!=` after one, and a value such as `t2.*`, `2018-06-18T22:28:28+00:00` or
 * `service:production` is one token only where a value is expected.
 */
class Lexer {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  private at(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }

  private skipSpace(): void {
    while (isSpace(this.at())) this.pos++;
  }

  error(column: number, reason: string): QueryError {
    return new QueryError(this.text, column, reason);
  }

  /** `"&&"`, `"foo"` or `end of expression`: what stands at `pos`, for "unexpected ..." messages. */
  describeAt(pos: number): string {
    const t = this.text;
    if (pos >= t.length) return "end of expression";
    let end = pos;
    const c = t.charAt(pos);
    if (SYMBOL_CHARS.includes(c)) while (end < t.length && SYMBOL_CHARS.includes(t.charAt(end))) end++;
    else if (isQuote(c) || "()[],".includes(c)) end = pos + 1;
    else while (end < t.length && !isSpace(t.charAt(end)) && !WORD_STOP.includes(t.charAt(end))) end++;
    return JSON.stringify(t.slice(pos, end));
  }

  unexpected(pos: number, expected: string): QueryError {
    return this.error(pos + 1, `unexpected ${this.describeAt(pos)} at column ${pos + 1}, expected ${expected}`);
  }

  /** The next token between comparisons: parentheses, boolean operators, or a word (a subject). */
  peek(): Token {
    this.skipSpace();
    const start = this.pos;
    const column = start + 1;
    const c = this.at();
    if (c === "") return { kind: "end", text: "", column, end: start };
    if (c === "(" || c === ")") return { kind: c, text: c, column, end: start + 1 };
    if (this.text.startsWith("&&", start)) return { kind: "and", text: "&&", column, end: start + 2 };
    if (this.text.startsWith("||", start)) return { kind: "or", text: "||", column, end: start + 2 };
    if (c === "!" && this.at(1) !== "=" && this.at(1) !== "~") return { kind: "not", text: "!", column, end: start + 1 };
    let end = start;
    while (end < this.text.length && !isSpace(this.text.charAt(end)) && !WORD_STOP.includes(this.text.charAt(end))) end++;
    if (end === start) return { kind: "other", text: c, column, end: start + 1 };
    const text = this.text.slice(start, end);
    const kind = text === "and" ? "and" : text === "or" ? "or" : text === "not" ? "not" : "word";
    return { kind, text, column, end };
  }

  take(token: Token): void {
    this.pos = token.end;
  }

  /** The operator after `subject`: a symbol (`==`, `!in`, ...) or a word (`equals`, `not_in`, ...). */
  operator(subject: string): { operator: ComparisonOperator; text: string; column: number } {
    this.skipSpace();
    const start = this.pos;
    for (const [symbol, operator] of SYMBOL_OPERATORS) {
      if (!this.text.startsWith(symbol, start)) continue;
      // `!exists` and `!in` are words after the `!`: `!inside` is not `!in` followed by `side`.
      if (/\w$/.test(symbol) && /\w/.test(this.text.charAt(start + symbol.length))) continue;
      this.pos = start + symbol.length;
      return { operator, text: symbol, column: start + 1 };
    }
    const word = /^[A-Za-z_]+/.exec(this.text.slice(start))?.[0] ?? "";
    const operator = WORD_OPERATORS.get(word);
    // `in[a]` and `exists)` are fine; `inx` is not `in`.
    if (operator !== undefined && !/\w/.test(this.text.charAt(start + word.length))) {
      this.pos = start + word.length;
      return { operator, text: word, column: start + 1 };
    }
    throw this.unexpected(start, `an operator after ${JSON.stringify(subject)} (${OPERATORS_HINT})`);
  }

  private quoted(): QueryValue {
    const start = this.pos;
    const quote = this.at();
    const close = this.text.indexOf(quote, start + 1);
    if (close < 0) throw this.error(start + 1, `unterminated quoted value starting at column ${start + 1}, expected a closing ${quote}`);
    this.pos = close + 1;
    return { text: this.text.slice(start + 1, close), column: start + 1, quoted: true };
  }

  /**
   * A single value after a comparison operator. Unquoted, it runs to the next space, parenthesis, quote, `&&` or
   * `||`; it may contain `[`, `]` and `,` (regular expressions use them), but may not start with `[` unless it is
   * a regular expression, so `== [a, b]` is refused rather than read as the value "[a,".
   */
  scalar(operatorText: string, regex: boolean): QueryValue {
    this.skipSpace();
    const start = this.pos;
    const c = this.at();
    if (isQuote(c)) return this.quoted();
    const expected = `a value after ${JSON.stringify(operatorText)}`;
    if (c === "[" && !regex) throw this.unexpected(start, `${expected} (a list [a, b] goes with in and not_in)`);
    let end = start;
    while (end < this.text.length) {
      const d = this.text.charAt(end);
      if (isSpace(d) || d === "(" || d === ")" || isQuote(d) || this.text.startsWith("&&", end) || this.text.startsWith("||", end)) break;
      end++;
    }
    if (end === start) throw this.unexpected(start, expected);
    this.pos = end;
    return { text: this.text.slice(start, end), column: start + 1, quoted: false };
  }

  /** The list after in / not_in: `[a, b]` as the ECS documentation writes it, or `(a, b)`. */
  list(operatorText: string): QueryValue[] {
    this.skipSpace();
    const open = this.pos;
    const opener = this.at();
    if (opener !== "[" && opener !== "(") throw this.unexpected(open, `a list after ${JSON.stringify(operatorText)}, like [a, b]`);
    const closer = opener === "[" ? "]" : ")";
    this.pos++;
    const values: QueryValue[] = [];
    for (;;) {
      this.skipSpace();
      const start = this.pos;
      const c = this.at();
      if (c === closer && values.length === 0) {
        throw this.unexpected(start, `a value in the list after ${JSON.stringify(operatorText)} (an empty list matches nothing)`);
      }
      if (isQuote(c)) {
        values.push(this.quoted());
      } else {
        let end = start;
        while (end < this.text.length) {
          const d = this.text.charAt(end);
          if (isSpace(d) || isQuote(d) || ",[]()".includes(d)) break;
          end++;
        }
        if (end === start) {
          const why = c === "" ? `, or ${JSON.stringify(closer)} to close the ${JSON.stringify(opener)} at column ${open + 1}` : "";
          throw this.unexpected(start, `a value in the list${why}`);
        }
        values.push({ text: this.text.slice(start, end), column: start + 1, quoted: false });
        this.pos = end;
      }
      this.skipSpace();
      const next = this.at();
      if (next === ",") {
        this.pos++;
        continue;
      }
      if (next === closer) {
        this.pos++;
        return values;
      }
      throw this.unexpected(this.pos, `"," or ${JSON.stringify(closer)} to close the ${JSON.stringify(opener)} at column ${open + 1}`);
    }
  }
}

// ---------------------------------------------------------------- parser

/**
 * Parses a cluster query language expression. Precedence, loosest first: `||`/`or`, `&&`/`and`, `!`/`not`;
 * parentheses group. Throws QueryError with the column of the first problem.
 *
 *   expression := or
 *   or         := and (("||" | "or") and)*
 *   and        := unary (("&&" | "and") unary)*
 *   unary      := ("!" | "not") unary | "(" or ")" | comparison
 *   comparison := subject operator [value | list]
 */
export function parseQuery(text: string): QueryAst {
  const lexer = new Lexer(text);
  if (text.trim() === "") throw lexer.error(1, `empty expression at column 1, expected a subject (${SUBJECTS_HINT})`);
  const root = parseOr(lexer);
  const next = lexer.peek();
  if (next.kind !== "end") {
    const expected = next.kind === ")" ? `"&&", "||" or end of expression (this ")" closes no "(")` : `"&&", "||", ")" or end of expression`;
    throw lexer.unexpected(next.column - 1, expected);
  }
  return { source: text, root };
}

function parseOr(lexer: Lexer): QueryNode {
  let left = parseAnd(lexer);
  for (let next = lexer.peek(); next.kind === "or"; next = lexer.peek()) {
    lexer.take(next);
    left = { kind: "or", left, right: parseAnd(lexer), column: next.column };
  }
  return left;
}

function parseAnd(lexer: Lexer): QueryNode {
  let left = parseUnary(lexer);
  for (let next = lexer.peek(); next.kind === "and"; next = lexer.peek()) {
    lexer.take(next);
    left = { kind: "and", left, right: parseUnary(lexer), column: next.column };
  }
  return left;
}

function parseUnary(lexer: Lexer): QueryNode {
  const next = lexer.peek();
  if (next.kind === "not") {
    lexer.take(next);
    return { kind: "not", operand: parseUnary(lexer), column: next.column };
  }
  if (next.kind === "(") {
    lexer.take(next);
    const inner = parseOr(lexer);
    const close = lexer.peek();
    if (close.kind !== ")") throw lexer.unexpected(close.column - 1, `"&&", "||" or ")" to close the "(" at column ${next.column}`);
    lexer.take(close);
    return inner;
  }
  if (next.kind === "word") {
    lexer.take(next);
    return parseComparison(lexer, next);
  }
  throw lexer.unexpected(next.column - 1, `a subject (${SUBJECTS_HINT}), "(" or "!"`);
}

function parseSubject(lexer: Lexer, word: Token): QuerySubject {
  if (word.text.startsWith("attribute:")) {
    const name = word.text.slice("attribute:".length);
    const nameColumn = word.column + "attribute:".length;
    if (name === "") {
      throw lexer.error(nameColumn, `missing attribute name at column ${nameColumn}, expected attribute:<name>, such as attribute:ecs.instance-type`);
    }
    if (!ATTRIBUTE_NAME.test(name)) {
      throw lexer.error(
        nameColumn,
        `invalid attribute name ${JSON.stringify(name)} at column ${nameColumn}: ECS attribute names are 1 to 128 letters, digits, "-", "_", "/", "\\" or "."`,
      );
    }
    return { kind: "attribute", name };
  }
  if (word.text === "task:group") return { kind: "taskGroup" };
  if (FIELDS.has(word.text)) return { kind: "field", name: word.text as QueryField };
  const hint = word.text.startsWith("ecs.") ? ` (did you mean attribute:${word.text}?)` : "";
  throw lexer.error(word.column, `unknown subject ${JSON.stringify(word.text)} at column ${word.column}, expected ${SUBJECTS_HINT}${hint}`);
}

function parseComparison(lexer: Lexer, word: Token): QueryComparison {
  const subject = parseSubject(lexer, word);
  const op = lexer.operator(word.text);
  const valid = subject.kind === "attribute" ? ALL_OPERATORS : FIELD_OPERATORS[subject.kind === "taskGroup" ? "task:group" : subject.name];
  if (!valid.includes(op.operator)) {
    throw lexer.error(
      op.column,
      `operator ${JSON.stringify(op.text)} at column ${op.column} is not valid for ${word.text}, expected one of ${valid.join(", ")}`,
    );
  }
  const regex = op.operator === "=~" || op.operator === "!~";
  const args =
    op.operator === "exists" || op.operator === "!exists"
      ? []
      : op.operator === "in" || op.operator === "!in"
        ? lexer.list(op.text)
        : [lexer.scalar(op.text, regex)];
  for (const arg of args) {
    if (regex) compileRegex(lexer, arg);
    if (subject.kind === "field" && subject.name === "registeredAt" && !REGISTERED_AT.test(arg.text)) {
      throw lexer.error(
        arg.column,
        `invalid date ${JSON.stringify(arg.text)} at column ${arg.column}: registeredAt takes 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18`,
      );
    }
    if (subject.kind === "field" && subject.name === "runningTasksCount" && !/^\d+$/.test(arg.text)) {
      throw lexer.error(arg.column, `invalid count ${JSON.stringify(arg.text)} at column ${arg.column}: runningTasksCount takes a whole number`);
    }
  }
  return { kind: "compare", subject, operator: op.operator, args, column: word.column, operatorColumn: op.column };
}

/**
 * ECS takes Java regular expressions and matches the whole value (`t2.*` selects every t2 size); JavaScript's
 * syntax agrees on everything but exotic constructs (possessive quantifiers, `\p{javaX}` classes, a leading `(?i)`).
 */
function compileRegex(lexer: Lexer, arg: QueryValue): RegExp {
  try {
    return anchoredRegExp(arg.text);
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, "") : String(e);
    throw lexer.error(arg.column, `invalid regular expression ${JSON.stringify(arg.text)} at column ${arg.column}: ${detail}`);
  }
}

/**
 * `^(?:pattern)$`, after checking the pattern alone: wrapped, `a)|(b` would pass as `^(?:a)|(b)$` and match
 * any value that merely starts with "a".
 */
function anchoredRegExp(pattern: string): RegExp {
  new RegExp(pattern);
  return new RegExp(`^(?:${pattern})$`);
}

// ---------------------------------------------------------------- printing

function formatValue(value: string, inList: boolean): string {
  const plain = value !== "" && !/[\s()'"]|&&|\|\|/.test(value) && !(inList && /[,[\]]/.test(value)) && !value.startsWith("[");
  if (plain) return value;
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

function formatSubject(subject: QuerySubject): string {
  if (subject.kind === "attribute") return `attribute:${subject.name}`;
  if (subject.kind === "taskGroup") return "task:group";
  return subject.name;
}

/** One comparison in canonical (symbol) form: `attribute:ecs.instance-type =~ t2.*`. */
function formatComparison(node: QueryComparison): string {
  const head = `${formatSubject(node.subject)} ${node.operator}`;
  if (node.operator === "in" || node.operator === "!in") return `${head} [${node.args.map((a) => formatValue(a.text, true)).join(", ")}]`;
  const arg = node.args[0];
  return arg === undefined ? head : `${head} ${formatValue(arg.text, false)}`;
}

/**
 * The canonical text of an expression: symbol operators, `!(...)` around every negated operand, and parentheses
 * around any `&&` inside `||` (and the reverse), so the grouping the parser chose can be read off.
 */
export function formatQuery(ast: QueryAst | QueryNode): string {
  const node = "root" in ast ? ast.root : ast;
  switch (node.kind) {
    case "compare":
      return formatComparison(node);
    case "not":
      return `!(${formatQuery(node.operand)})`;
    case "and":
    case "or": {
      const side = (child: QueryNode): string =>
        (child.kind === "and" || child.kind === "or") && child.kind !== node.kind ? `(${formatQuery(child)})` : formatQuery(child);
      return `${side(node.left)} ${node.kind === "and" ? "&&" : "||"} ${side(node.right)}`;
    }
  }
}

// ---------------------------------------------------------------- compiler: inputs and outputs

/** Where an ECS attribute lives on a Kubernetes node. */
export interface AttributeLabel {
  /** The node label key. */
  readonly key: string;
  /** ECS value → label value where the vocabularies differ (`x86_64` → `amd64`); other values pass unchanged. */
  readonly values?: Readonly<Record<string, string>>;
  /** The label value is the lower-cased ECS value. */
  readonly lowerCase?: boolean;
}

/** The built-in ECS attributes that have a well-known Kubernetes node label. Others are treated as custom. */
export const DEFAULT_ATTRIBUTE_LABELS: Readonly<Record<string, AttributeLabel>> = {
  "ecs.availability-zone": { key: ZONE_LABEL },
  "ecs.instance-type": { key: INSTANCE_TYPE_LABEL },
  "ecs.os-type": { key: OS_LABEL, lowerCase: true },
  "ecs.cpu-architecture": { key: ARCH_LABEL, values: { x86_64: "amd64", arm64: "arm64" } },
};

export const DEFAULT_MAX_TERMS = 64;

export interface QueryCompileContext {
  /** ECS attribute name → node label, merged over DEFAULT_ATTRIBUTE_LABELS. */
  readonly attributeLabels?: Readonly<Record<string, AttributeLabel>>;
  /** Prepended to an unmapped (custom) attribute name to make its label key, e.g. `attributes.example.com/`. */
  readonly customAttributePrefix?: string;
  /** The node label that `ec2InstanceId` compares (default kubernetes.io/hostname). */
  readonly instanceIdLabel?: string;
  /** The topology key of task:group pod (anti-)affinity: one node (default kubernetes.io/hostname). */
  readonly hostTopologyKey?: string;
  /** The pod label that carries the task group (values from taskGroupLabelValue). */
  readonly taskGroupLabel?: string;
  /** Label key → the values it has across the current nodes. Only read for =~, !~ and `*` wildcards. */
  readonly nodeLabelValues?: Readonly<Record<string, readonly string[]>>;
  /** The most nodeSelectorTerms the expression may expand to (default 64). */
  readonly maxTerms?: number;
}

export interface CompiledQuery {
  /** Required node affinity; absent when the expression does not restrict nodes. */
  nodeAffinity?: V1NodeAffinity;
  /** Required pod affinity from top-level `task:group ==` / `in` conditions. */
  podAffinity?: V1PodAffinity;
  /** Required pod anti-affinity from top-level `task:group !=` / `!in` / `!(... == ...)` conditions. */
  podAntiAffinity?: V1PodAntiAffinity;
  /** Conditions that have no Kubernetes counterpart: each was ignored (treated as met), and says so. */
  unsupported: string[];
  /** Facts the user should know (a pattern matched no node, a value that no label can carry, ...). */
  notes: string[];
  /**
   * Label keys whose values across nodes the result was computed from (=~, !~, wildcards). When a node with
   * one of these labels is added, removed or relabelled, compile again: the result depends on it.
   */
  dependsOnLabels: string[];
}

/**
 * Where the ECS attribute `name` lives on nodes: ctx.attributeLabels, else DEFAULT_ATTRIBUTE_LABELS, else the
 * label of the same name behind ctx.customAttributePrefix (custom attributes, and built-ins such as ecs.ami-id
 * that no well-known label carries).
 */
export function attributeLabel(name: string, ctx: Pick<QueryCompileContext, "attributeLabels" | "customAttributePrefix"> = {}): AttributeLabel {
  if (ctx.attributeLabels !== undefined && Object.hasOwn(ctx.attributeLabels, name)) {
    const configured = ctx.attributeLabels[name];
    if (configured !== undefined) return configured;
  }
  if (Object.hasOwn(DEFAULT_ATTRIBUTE_LABELS, name)) {
    const builtIn = DEFAULT_ATTRIBUTE_LABELS[name];
    if (builtIn !== undefined) return builtIn;
  }
  return { key: `${ctx.customAttributePrefix ?? ""}${name}` };
}

// ---------------------------------------------------------------- compiler: Kubernetes names

/**
 * The pod label value for an ECS task group. Groups such as `service:web` or `family:nginx` contain a colon,
 * which label values cannot: colons become dots (`service.web`). A group that is still not a valid label value
 * (spaces, over 63 characters, ...) becomes a readable stem plus a hash of the whole name. Pod builders label
 * pods with this, so that task:group conditions find them.
 */
export function taskGroupLabelValue(group: string): string {
  const readable = group.replaceAll(":", ".");
  if (isLabelValue(readable)) return readable;
  const hash = createHash("sha256").update(group).digest("hex").slice(0, 10);
  const stem = readable
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 63 - hash.length - 1)
    .replace(/[^A-Za-z0-9]+$/, "");
  return stem === "" ? hash : `${stem}-${hash}`;
}

// ---------------------------------------------------------------- compiler: node selector algebra

type RequirementOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";

interface Requirement {
  readonly key: string;
  readonly operator: RequirementOperator;
  readonly values?: readonly string[];
  /** A matchFields entry (only ever copied from an input term; the compiler emits matchExpressions). */
  readonly field?: boolean;
}

/** Requirements ANDed. The empty term is TRUE here (unlike an empty V1NodeSelectorTerm, which matches nothing). */
type Term = readonly Requirement[];
/** Terms ORed: disjunctive normal form, the shape of nodeSelectorTerms. */
type Dnf = readonly Term[];

const TRUE: Dnf = [[]];
const FALSE: Dnf = [];

const requirementKey = (r: Requirement): string => JSON.stringify([r.field === true, r.key, r.operator, r.values ?? []]);
const termKey = (t: Term): string => t.map(requirementKey).sort().join("\n");

/** True when no node can meet all of the term's requirements on some key. */
function contradictory(term: Term): boolean {
  const byKey = new Map<string, Requirement[]>();
  for (const r of term) if (r.field !== true) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  for (const reqs of byKey.values()) {
    const absent = reqs.some((r) => r.operator === "DoesNotExist");
    if (absent && reqs.some((r) => r.operator !== "DoesNotExist" && r.operator !== "NotIn")) return true;
    let allowed: Set<string> | undefined;
    for (const r of reqs) {
      if (r.operator !== "In") continue;
      const values = new Set(r.values);
      allowed = allowed === undefined ? values : new Set([...allowed].filter((v) => values.has(v)));
    }
    if (allowed === undefined) continue;
    for (const r of reqs) if (r.operator === "NotIn") for (const v of r.values ?? []) allowed.delete(v);
    if (allowed.size === 0) return true;
  }
  return false;
}

function mergeTerms(a: Term, b: Term): Term | undefined {
  const seen = new Set(a.map(requirementKey));
  const merged = [...a, ...b.filter((r) => !seen.has(requirementKey(r)))];
  return contradictory(merged) ? undefined : merged;
}

function dedupeTerms(terms: readonly Term[]): Dnf {
  if (terms.some((t) => t.length === 0)) return TRUE;
  const seen = new Set<string>();
  return terms.filter((t) => {
    const key = termKey(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function orDnf(a: Dnf, b: Dnf): Dnf {
  return dedupeTerms([...a, ...b]);
}

function andDnf(a: Dnf, b: Dnf): Dnf {
  const terms: Term[] = [];
  for (const ta of a) {
    for (const tb of b) {
      const merged = mergeTerms(ta, tb);
      if (merged !== undefined) terms.push(merged);
    }
  }
  return dedupeTerms(terms);
}

const UNSATISFIABLE_TERM: V1NodeSelectorTerm = {
  matchExpressions: [
    { key: UNSATISFIABLE_LABEL, operator: "Exists" },
    { key: UNSATISFIABLE_LABEL, operator: "DoesNotExist" },
  ],
};

function toV1Requirement(r: Requirement): V1NodeSelectorRequirement {
  return r.values === undefined ? { key: r.key, operator: r.operator } : { key: r.key, operator: r.operator, values: [...r.values] };
}

function toV1Terms(dnf: Dnf): V1NodeSelectorTerm[] {
  if (dnf.length === 0) return [structuredClone(UNSATISFIABLE_TERM)];
  return dnf.map((term) => {
    const expressions = term.filter((r) => r.field !== true).map(toV1Requirement);
    const fields = term.filter((r) => r.field === true).map(toV1Requirement);
    return { ...(expressions.length > 0 ? { matchExpressions: expressions } : {}), ...(fields.length > 0 ? { matchFields: fields } : {}) };
  });
}

function fromV1Terms(terms: readonly V1NodeSelectorTerm[] | undefined): Dnf {
  if (terms === undefined) return TRUE;
  const read = (reqs: readonly V1NodeSelectorRequirement[] | undefined, field: boolean): Requirement[] =>
    (reqs ?? []).map((r) => ({
      key: r.key,
      operator: r.operator as RequirementOperator,
      ...(r.values === undefined ? {} : { values: [...r.values] }),
      ...(field ? { field: true } : {}),
    }));
  // A V1 term without requirements matches no node, so it contributes nothing to the OR.
  return dedupeTerms(
    terms
      .map((t) => [...read(t.matchExpressions, false), ...read(t.matchFields, true)])
      .filter((t) => t.length > 0 && !contradictory(t)),
  );
}

/** Thrown by andNodeSelectorTerms when the AND of two ORs has more than `maxTerms` alternatives. */
export class TooManyTermsError extends Error {
  readonly terms: number;
  readonly maxTerms: number;

  constructor(terms: number, maxTerms: number) {
    super(`the node affinity would need ${terms} nodeSelectorTerms, more than ${maxTerms}`);
    this.name = "TooManyTermsError";
    this.terms = terms;
    this.maxTerms = maxTerms;
  }
}

/**
 * The nodeSelectorTerms that match the nodes both `a` and `b` match (each absent = every node): the cross product
 * of the two ORs, without terms that contradict themselves. For combining memberOf constraints with each other
 * and with a capacity provider's affinity. Throws TooManyTermsError beyond `maxTerms`.
 */
export function andNodeSelectorTerms(
  a: readonly V1NodeSelectorTerm[] | undefined,
  b: readonly V1NodeSelectorTerm[] | undefined,
  maxTerms = DEFAULT_MAX_TERMS,
): V1NodeSelectorTerm[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  const dnf = andDnf(fromV1Terms(a), fromV1Terms(b));
  if (dnf.length > maxTerms) throw new TooManyTermsError(dnf.length, maxTerms);
  return dnf.length === 1 && dnf[0]?.length === 0 ? undefined : toV1Terms(dnf);
}

// ---------------------------------------------------------------- compiler: expression → DNF

/** Negation normal form: `not` pushed down to the comparisons (De Morgan), remembered as `negated`. */
type Nnf =
  | { readonly kind: "and" | "or"; readonly left: Nnf; readonly right: Nnf; readonly column: number }
  | { readonly kind: "literal"; readonly node: QueryComparison; readonly negated: boolean };

function toNnf(node: QueryNode, negated: boolean): Nnf {
  switch (node.kind) {
    case "compare":
      return { kind: "literal", node, negated };
    case "not":
      return toNnf(node.operand, !negated);
    case "and":
    case "or": {
      // !(a && b) = !a || !b; !(a || b) = !a && !b
      const kind = negated ? (node.kind === "and" ? "or" : "and") : node.kind;
      return { kind, left: toNnf(node.left, negated), right: toNnf(node.right, negated), column: node.column };
    }
  }
}

const UNSUPPORTED_FIELDS: Readonly<Record<Exclude<QueryField, "ec2InstanceId">, string>> = {
  agentConnected: "Kubernetes has no ECS agent; the scheduler already places pods only on Ready nodes",
  agentVersion: "Kubernetes has no ECS agent, and the kubelet version is not a node label",
  registeredAt: "when a node registered is not a node label",
  runningTasksCount: "how many tasks run on a node is not a node label (distinctInstance or a spread strategy limit tasks per node)",
};

class Compiler {
  readonly source: string;
  readonly ctx: QueryCompileContext;
  readonly instanceIdLabel: string;
  readonly hostKey: string;
  readonly groupLabel: string;
  readonly nodeValues: Readonly<Record<string, readonly string[]>>;
  readonly maxTerms: number;
  readonly unsupported: string[] = [];
  readonly notes: string[] = [];
  readonly dependsOn = new Set<string>();
  readonly affinity: V1PodAffinityTerm[] = [];
  readonly antiAffinity: V1PodAffinityTerm[] = [];

  constructor(source: string, ctx: QueryCompileContext) {
    this.source = source;
    this.ctx = ctx;
    this.instanceIdLabel = ctx.instanceIdLabel ?? HOSTNAME_LABEL;
    this.hostKey = ctx.hostTopologyKey ?? HOSTNAME_LABEL;
    this.groupLabel = ctx.taskGroupLabel ?? GROUP_LABEL;
    this.nodeValues = ctx.nodeLabelValues ?? {};
    this.maxTerms = ctx.maxTerms ?? DEFAULT_MAX_TERMS;
  }

  private describe(literal: { node: QueryComparison; negated: boolean }): string {
    const text = formatComparison(literal.node);
    return `${literal.negated ? `!(${text})` : text} (column ${literal.node.column})`;
  }

  private checkSize(dnf: Dnf, column: number): Dnf {
    if (dnf.length <= this.maxTerms) return dnf;
    throw new QueryError(
      this.source,
      column,
      `too complex at column ${column}: the expression expands to ${dnf.length} alternatives (nodeSelectorTerms, ORed), more than ${this.maxTerms}; ` +
        `each "||" under an "&&" multiplies them, so write a list (in [a, b]) or a pattern (=~) where you can`,
    );
  }

  /** `topLevel`: the node is an operand of the top-level AND, where task:group becomes pod (anti-)affinity. */
  dnf(nnf: Nnf, topLevel: boolean): Dnf {
    if (nnf.kind === "literal") return this.literal(nnf, topLevel);
    const left = this.dnf(nnf.left, topLevel && nnf.kind === "and");
    const right = this.dnf(nnf.right, topLevel && nnf.kind === "and");
    return this.checkSize(nnf.kind === "and" ? andDnf(left, right) : orDnf(left, right), nnf.column);
  }

  private literal(literal: { node: QueryComparison; negated: boolean }, topLevel: boolean): Dnf {
    const { subject } = literal.node;
    if (subject.kind === "taskGroup") {
      this.taskGroup(literal, topLevel);
      return TRUE;
    }
    if (subject.kind === "field") {
      if (subject.name === "ec2InstanceId") return this.labelLiteral(literal, { key: this.instanceIdLabel });
      this.unsupported.push(`${this.describe(literal)}: ${UNSUPPORTED_FIELDS[subject.name]}; the condition is ignored`);
      return TRUE;
    }
    return this.labelLiteral(literal, attributeLabel(subject.name, this.ctx));
  }

  private taskGroup(literal: { node: QueryComparison; negated: boolean }, topLevel: boolean): void {
    const { operator, args } = literal.node;
    if (operator === "=~" || operator === "!~") {
      this.unsupported.push(`${this.describe(literal)}: pod affinity needs the group names, not a pattern; the condition is ignored`);
      return;
    }
    if (!topLevel) {
      this.unsupported.push(
        `${this.describe(literal)}: task:group becomes required pod (anti-)affinity, which Kubernetes always ANDs, so it is only ` +
          `expressible as an operand of the top-level "&&"; the condition is ignored`,
      );
      return;
    }
    // Positive forms (==, in, exists) select nodes that host the group: affinity; their negations: anti-affinity.
    const positive = operator === "==" || operator === "in" || operator === "exists";
    const requirement =
      operator === "exists" || operator === "!exists"
        ? { key: this.groupLabel, operator: "Exists" }
        : { key: this.groupLabel, operator: "In", values: [...new Set(args.map((a) => taskGroupLabelValue(a.text)))] };
    const term: V1PodAffinityTerm = { labelSelector: { matchExpressions: [requirement] }, topologyKey: this.hostKey };
    (positive !== literal.negated ? this.affinity : this.antiAffinity).push(term);
  }

  private labelLiteral(literal: { node: QueryComparison; negated: boolean }, label: AttributeLabel): Dnf {
    const { node, negated } = literal;
    const { key } = label;
    if (!isLabelKey(key)) {
      // No node can carry the label, so the attribute is absent everywhere: only !exists holds.
      this.notes.push(`${this.describe(literal)}: ${JSON.stringify(key)} is not a valid Kubernetes label key, so no node has this attribute`);
      return (node.operator === "!exists") !== negated ? TRUE : FALSE;
    }
    const exists: Requirement = { key, operator: "Exists" };
    const absent: Requirement = { key, operator: "DoesNotExist" };
    switch (node.operator) {
      case "exists":
        return negated ? [[absent]] : [[exists]];
      case "!exists":
        return negated ? [[exists]] : [[absent]];
      case ">":
      case ">=":
      case "<":
      case "<=":
        return this.ordering(literal, key);
      case "==":
      case "in":
      case "=~":
        return this.membership(literal, label, true);
      case "!=":
      case "!in":
      case "!~":
        return this.membership(literal, label, false);
    }
  }

  /**
   * A comparison is false on a node that lacks the attribute (the ECS documentation: `attribute:stack != prod`
   * lists the instances that have "stack", unless it is "prod"); `!` is plain negation. So `== v` is In [v],
   * `!= v` is Exists + NotIn [v], `!(== v)` is NotIn [v] (NotIn also matches nodes without the label), and
   * `!(!= v)` is DoesNotExist or In [v].
   */
  private membership(literal: { node: QueryComparison; negated: boolean }, label: AttributeLabel, member: boolean): Dnf {
    const { key } = label;
    const { values, patterns } = this.valueSet(literal, label);
    if (values.length === 0) {
      if (member && !literal.negated && patterns) {
        this.notes.push(
          `${this.describe(literal)}: no node has a ${key} label that matches, so no node qualifies through this condition until one does ` +
            `(the result follows the nodes' labels: recompile when ${key} changes)`,
        );
      }
      if (member) return literal.negated ? TRUE : FALSE;
      return literal.negated ? [[{ key, operator: "DoesNotExist" }]] : [[{ key, operator: "Exists" }]];
    }
    if (member) return literal.negated ? [[{ key, operator: "NotIn", values }]] : [[{ key, operator: "In", values }]];
    return literal.negated
      ? [[{ key, operator: "DoesNotExist" }], [{ key, operator: "In", values }]]
      : [[{ key, operator: "Exists" }, { key, operator: "NotIn", values }]];
  }

  /** The label values a membership test is about: the literals, plus the node values a pattern selects. */
  private valueSet(literal: { node: QueryComparison; negated: boolean }, label: AttributeLabel): { values: string[]; patterns: boolean } {
    const { node } = literal;
    const values: string[] = [];
    const dropped: string[] = [];
    const regex = node.operator === "=~" || node.operator === "!~";
    let patterns = false;
    for (const arg of node.args) {
      if (regex || arg.text.includes("*")) {
        patterns = true;
        const pattern = regex ? anchoredRegExp(arg.text) : globToRegExp(arg.text);
        values.push(...this.matchingNodeValues(label, pattern));
        continue;
      }
      const value = toLabelValue(label, arg.text);
      if (isLabelValue(value)) values.push(value);
      else dropped.push(value);
    }
    if (dropped.length > 0) {
      this.notes.push(
        `${this.describe(literal)}: ${dropped.map((v) => JSON.stringify(v)).join(", ")} cannot be a Kubernetes label value, so no node has it`,
      );
    }
    return { values: [...new Set(values)], patterns };
  }

  private matchingNodeValues(label: AttributeLabel, pattern: RegExp): string[] {
    this.dependsOn.add(label.key);
    const reverse = new Map(Object.entries(label.values ?? {}).map(([ecs, k8s]) => [k8s, ecs]));
    const nodeValues = Object.hasOwn(this.nodeValues, label.key) ? (this.nodeValues[label.key] ?? []) : [];
    // Patterns are written against ECS values (x86_64), nodes carry Kubernetes ones (amd64). Sorted, so that
    // the same nodes in another order give the same pod template (and no rollout).
    return [...new Set(nodeValues)].filter((v) => pattern.test(reverse.get(v) ?? v)).sort();
  }

  private ordering(literal: { node: QueryComparison; negated: boolean }, key: string): Dnf {
    const { node, negated } = literal;
    const arg = node.args[0] ?? { text: "", column: node.operatorColumn, quoted: false };
    if (!/^[+-]?\d+$/.test(arg.text)) {
      throw new QueryError(
        this.source,
        arg.column,
        `${JSON.stringify(arg.text)} at column ${arg.column} is not an integer: Kubernetes compares node labels only as integers (Gt, Lt), so ${node.operator} needs a whole number`,
      );
    }
    const n = BigInt(arg.text);
    // Strict bounds on both sides: x >= n is x > n-1, x <= n is x < n+1.
    const [operator, bound] =
      node.operator === ">" ? (["Gt", n] as const) : node.operator === ">=" ? (["Gt", n - 1n] as const) : node.operator === "<" ? (["Lt", n] as const) : (["Lt", n + 1n] as const);
    if (bound > INT64_MAX || bound < INT64_MIN) {
      throw new QueryError(this.source, arg.column, `${arg.text} at column ${arg.column} is out of range: Kubernetes compares node labels as 64-bit integers`);
    }
    if (!negated) return [[{ key, operator, values: [bound.toString()] }]];
    // !(x > n): the label is absent, or x < n+1 (a non-integer value meets neither Gt nor Lt; see docs).
    const flipped = operator === "Gt" ? { operator: "Lt" as const, bound: bound + 1n } : { operator: "Gt" as const, bound: bound - 1n };
    return [[{ key, operator: "DoesNotExist" }], [{ key, operator: flipped.operator, values: [flipped.bound.toString()] }]];
  }

  podAffinityResult(): Pick<CompiledQuery, "podAffinity" | "podAntiAffinity"> {
    return {
      ...(this.affinity.length > 0 ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: this.affinity } } : {}),
      ...(this.antiAffinity.length > 0 ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: this.antiAffinity } } : {}),
    };
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function toLabelValue(label: AttributeLabel, ecsValue: string): string {
  const mapped = label.values !== undefined && Object.hasOwn(label.values, ecsValue) ? (label.values[ecsValue] ?? ecsValue) : ecsValue;
  return label.lowerCase === true ? mapped.toLowerCase() : mapped;
}

/** `t2.*` in an equality: `*` is any run of characters, everything else literal. */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`);
}

/**
 * Compiles a parsed expression to required node affinity (nodeSelectorTerms in disjunctive normal form: terms
 * ORed, requirements ANDed), and top-level task:group conditions to pod (anti-)affinity. Pure: `ctx` carries
 * everything, including the node label values that =~ and wildcards are matched against (see dependsOnLabels).
 * Throws QueryError for what Kubernetes cannot compare (a non-integer `>`) or an expansion beyond ctx.maxTerms.
 */
export function compileToNodeAffinity(ast: QueryAst, ctx: QueryCompileContext = {}): CompiledQuery {
  const compiler = new Compiler(ast.source, ctx);
  const dnf = compiler.dnf(toNnf(ast.root, false), true);
  const everyNode = dnf.length === 1 && dnf[0]?.length === 0;
  if (dnf.length === 0) {
    compiler.notes.push(
      `no node can meet the expression, so the tasks stay pending (the node affinity requires ${UNSATISFIABLE_LABEL} to exist and not exist)`,
    );
  }
  return {
    ...(everyNode ? {} : { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: toV1Terms(dnf) } } }),
    ...compiler.podAffinityResult(),
    unsupported: compiler.unsupported,
    notes: compiler.notes,
    dependsOnLabels: [...compiler.dependsOn].sort(),
  };
}

/** parseQuery and compileToNodeAffinity in one step. */
export function compileMemberOf(expression: string, ctx: QueryCompileContext = {}): CompiledQuery {
  return compileToNodeAffinity(parseQuery(expression), ctx);
}
