// The ECS cluster query language: what parses (and how it groups), what is refused (and at which column), and
// what each rule compiles to. Node selector terms are shown as "key Operator [values] && ..." one string per term.
import { describe, expect, it } from "vitest";
import {
  andNodeSelectorTerms,
  caretLine,
  type CompiledQuery,
  compileMemberOf,
  compileToNodeAffinity,
  formatQuery,
  parseQuery,
  type QueryCompileContext,
  QueryError,
  renderQueryError,
  taskGroupLabelValue,
  TooManyTermsError,
} from "../../../src/builders/placement/query-language.ts";
import { isLabelKey, isLabelValue } from "../../../src/builders/names.ts";
import { UNSATISFIABLE_LABEL } from "../../../src/api/keys.ts";

const ZONE = "topology.kubernetes.io/zone";
const TYPE = "node.kubernetes.io/instance-type";
const HOST = "kubernetes.io/hostname";
const GROUP = "ecs.operator.dev/group";
const ANY_NODE = "any node";
const NO_NODE = [`${UNSATISFIABLE_LABEL} Exists && ${UNSATISFIABLE_LABEL} DoesNotExist`];

const NODES: QueryCompileContext = {
  nodeLabelValues: {
    [TYPE]: ["t2.micro", "t3.micro", "t2.large", "g2.2xlarge", "m5.large", "m5.xlarge", "m5.2xlarge", "t2.micro"],
    [ZONE]: ["us-east-1a", "us-east-1b", "us-east-1d"],
    "kubernetes.io/arch": ["amd64", "arm64"],
    [HOST]: ["i-abcd1234", "i-wxyx7890", "i-0000"],
  },
};

function terms(result: CompiledQuery): string[] | typeof ANY_NODE {
  const selector = result.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (selector === undefined) return ANY_NODE;
  return selector.map((t) =>
    (t.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values === undefined ? "" : ` [${e.values.join(", ")}]`}`).join(" && "),
  );
}

function refusal(run: () => unknown): QueryError {
  try {
    run();
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error("expected a QueryError");
}

describe("parse: the AWS documentation's examples", () => {
  // docs: cluster-query-language ("Example expressions") and task-placement-constraints (filters, constraints).
  it.each([
    ["attribute:ecs.instance-type == t2.small", "attribute:ecs.instance-type == t2.small"],
    ["attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"],
    [
      "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
      "attribute:ecs.instance-type =~ g2.* && attribute:ecs.availability-zone != us-east-1d",
    ],
    ["task:group == service:production", "task:group == service:production"],
    ["not(task:group == database)", "!(task:group == database)"],
    ["runningTasksCount == 1", "runningTasksCount == 1"],
    ["agentVersion < 1.14.5", "agentVersion < 1.14.5"],
    ["registeredAt < 2018-02-13", "registeredAt < 2018-02-13"],
    ["ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", "ec2InstanceId in [i-abcd1234, i-wxyx7890]"],
    ["attribute:ecs.instance-type =~ t2.*", "attribute:ecs.instance-type =~ t2.*"],
    ["task:group == databases", "task:group == databases"],
    ["attribute:stack == prod", "attribute:stack == prod"],
    ["attribute:stack != prod", "attribute:stack != prod"],
    ["attribute:ecs.instance-type in [t2.small, t2.medium]", "attribute:ecs.instance-type in [t2.small, t2.medium]"],
    [
      "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
      "attribute:ecs.instance-type =~ t2.* && attribute:ecs.availability-zone == us-east-1a",
    ],
    ["attribute:color =~ green", "attribute:color =~ green"],
    ["(expression1 or expression2) and expression3".replace(/expression(\d)/g, "attribute:e$1 exists"), "(attribute:e1 exists || attribute:e2 exists) && attribute:e3 exists"],
  ])("%s", (text, canonical) => {
    expect(formatQuery(parseQuery(text))).toBe(canonical);
  });
});

describe("parse: every operator and its word form", () => {
  it.each([
    ["==", "equals", "=="],
    ["!=", "not_equals", "!="],
    [">", "greater_than", ">"],
    [">=", "greater_than_equal", ">="],
    ["<", "less_than", "<"],
    ["<=", "less_than_equal", "<="],
    ["=~", "matches", "=~"],
    ["!~", "not_matches", "!~"],
  ])("%s and %s → %s with a value", (symbol, word, canonical) => {
    expect(formatQuery(parseQuery(`attribute:n ${symbol} 5`))).toBe(`attribute:n ${canonical} 5`);
    expect(formatQuery(parseQuery(`attribute:n ${word} 5`))).toBe(`attribute:n ${canonical} 5`);
  });

  it.each([
    ["exists", "exists"],
    ["!exists", "!exists"],
    ["not_exists", "!exists"],
  ])("%s → %s without a value", (written, canonical) => {
    expect(formatQuery(parseQuery(`attribute:gpu ${written}`))).toBe(`attribute:gpu ${canonical}`);
  });

  it.each([
    ["in", "in"],
    ["!in", "!in"],
    ["not_in", "!in"],
  ])("%s → %s with a list", (written, canonical) => {
    expect(formatQuery(parseQuery(`attribute:zone ${written} [a, b]`))).toBe(`attribute:zone ${canonical} [a, b]`);
  });
});

describe("parse: precedence and grouping", () => {
  it.each([
    ["a || b && c → a || (b && c)", "A || B && C", "A || (B && C)"],
    ["a && b || c → (a && b) || c", "A && B || C", "(A && B) || C"],
    ["and/or words group like && and ||", "A or B and C", "A || (B && C)"],
    ["! binds tighter than &&", "!A && B", "!(A) && B"],
    ["not binds tighter than ||", "not A || B", "!(A) || B"],
    ["parentheses override precedence", "(A || B) && C", "(A || B) && C"],
    ["! applies to a parenthesised group", "!(A || B)", "!(A || B)"],
    ["double negation is kept in the tree", "!!A", "!(!(A))"],
    ["nested parentheses", "((A))", "A"],
    ["&& chains are flat", "A && B && C", "A && B && C"],
    ["|| chains are flat", "A || B || C", "A || B || C"],
    ["mixed chain", "A && B || C && D", "(A && B) || (C && D)"],
    ["not glued to a parenthesis", "not(A)", "!(A)"],
    ["! glued to a subject", "!attribute:b exists", "!(B)"],
    ["operators without spaces", "attribute:a==1&&attribute:b!=2||attribute:c exists", "(attribute:a == 1 && attribute:b != 2) || C"],
  ])("%s", (_, text, canonical) => {
    const expand = (s: string): string => s.replace(/\b([ABCD])\b/g, (_m, l: string) => `attribute:${l.toLowerCase()} exists`);
    expect(formatQuery(parseQuery(expand(text)))).toBe(expand(canonical));
  });
});

describe("parse: values", () => {
  it.each([
    ["single-quoted", "attribute:stack == 'prod'", ["prod"]],
    ["double-quoted", 'attribute:stack == "prod"', ["prod"]],
    ["quoted with spaces", "attribute:team == 'web frontend'", ["web frontend"]],
    ["quoted with && inside", "attribute:x == 'a && b'", ["a && b"]],
    ["double quotes around a single quote", `attribute:x == "it's"`, ["it's"]],
    ["a value with a colon", "task:group == service:web", ["service:web"]],
    ["a date with an offset", "registeredAt >= 2018-06-18T22:28:28+00:00", ["2018-06-18T22:28:28+00:00"]],
    ["a wildcard", "attribute:ecs.instance-type == t2.*", ["t2.*"]],
    ["a regex with a character class", "attribute:ecs.instance-type =~ m5.[a-z]+", ["m5.[a-z]+"]],
    ["a regex with a comma", "attribute:x =~ a{1,3}", ["a{1,3}"]],
    ["a quoted regex with a group", "attribute:x =~ 'm5\\.(large|xlarge)'", ["m5\\.(large|xlarge)"]],
    ["a list in brackets", "attribute:z in [a,b , c]", ["a", "b", "c"]],
    ["a list in parentheses", "attribute:z in (a, b)", ["a", "b"]],
    ["a list glued to in", "attribute:z in[a]", ["a"]],
    ["a list of quoted values", `attribute:z not_in ['a b', "c"]`, ["a b", "c"]],
    ["a value that is a keyword", "attribute:x == and", ["and"]],
  ])("%s", (_, text, values) => {
    const { root } = parseQuery(text);
    expect(root.kind === "compare" ? root.args.map((a) => a.text) : undefined).toEqual(values);
  });

  it("records columns of subject, operator and values", () => {
    const { root } = parseQuery("  attribute:z in [a, 'b']");
    expect(root).toMatchObject({
      column: 3,
      operatorColumn: 15,
      args: [
        { text: "a", column: 19, quoted: false },
        { text: "b", column: 22, quoted: true },
      ],
    });
  });
});

describe("parse: errors point at the column", () => {
  it.each([
    [
      "a value missing before &&",
      "attribute:ecs.instance-type == && attribute:x exists",
      32,
      'unexpected "&&" at column 32, expected a value after "=="',
    ],
    ["an empty expression", "   ", 1, "empty expression at column 1"],
    ["an unknown subject", "foo == bar", 1, 'unknown subject "foo" at column 1'],
    ["a built-in attribute without attribute:", "x == 1 || ecs.instance-type == t2.micro".slice(10), 1, "did you mean attribute:ecs.instance-type?"],
    ["attribute: without a name", "attribute: == x", 11, "missing attribute name at column 11, expected attribute:<name>"],
    ["an attribute name ECS refuses", "attribute:a@b exists", 11, 'invalid attribute name "a@b" at column 11'],
    ["a missing operator", "attribute:x", 12, 'unexpected end of expression at column 12, expected an operator after "attribute:x"'],
    ["a single =", "attribute:x = y", 13, 'unexpected "=" at column 13, expected an operator'],
    ["an unknown word operator", "attribute:x like y", 13, 'unexpected "like" at column 13, expected an operator'],
    ["!in followed by letters", "attribute:x !inside [a]", 13, 'unexpected "!" at column 13'],
    ["a missing value at the end", "attribute:x == ", 16, 'unexpected end of expression at column 16, expected a value after "=="'],
    ["a missing value before )", "(attribute:x ==)", 16, 'unexpected ")" at column 16, expected a value after "=="'],
    ["a list after ==", "attribute:x == [a, b]", 16, "(a list [a, b] goes with in and not_in)"],
    ["in without a list", "attribute:x in a", 16, 'unexpected "a" at column 16, expected a list after "in", like [a, b]'],
    ["an empty list", "attribute:x in []", 17, "an empty list matches nothing"],
    ["an unclosed list", "attribute:x in [a, b", 21, 'unexpected end of expression at column 21, expected "," or "]" to close the "[" at column 16'],
    ["a list closed by the other bracket", "attribute:x in [a, b)", 21, 'unexpected ")" at column 21, expected "," or "]"'],
    ["an empty list item", "attribute:x in [a,, b]", 19, 'unexpected "," at column 19, expected a value in the list'],
    ["a list cut short", "attribute:x not_in (a,", 23, 'expected a value in the list, or ")" to close the "(" at column 20'],
    ["an unterminated quote", "attribute:x == 'abc", 16, "unterminated quoted value starting at column 16"],
    ["an unclosed parenthesis", "(attribute:x exists", 20, 'unexpected end of expression at column 20, expected "&&", "||" or ")" to close the "(" at column 1'],
    ["a parenthesis that closes nothing", "attribute:x exists)", 19, 'this ")" closes no "("'],
    ["two comparisons without an operator", "attribute:x exists attribute:y exists", 20, 'unexpected "attribute:y" at column 20, expected "&&", "||", ")" or end'],
    ["a value after exists", "attribute:x exists yes", 20, 'unexpected "yes" at column 20'],
    ["a trailing &&", "attribute:x exists &&", 22, "unexpected end of expression at column 22, expected a subject"],
    ["a leading ||", "|| attribute:x exists", 1, 'unexpected "||" at column 1, expected a subject'],
    ["a lone !", "!", 2, "unexpected end of expression at column 2, expected a subject"],
    ["empty parentheses", "()", 2, 'unexpected ")" at column 2, expected a subject'],
    ["an unquoted regex with a group", "attribute:x =~ t(2|3)", 17, 'unexpected "(" at column 17'],
    ["an invalid regex", "attribute:x =~ 'a(b'", 16, "invalid regular expression \"a(b\" at column 16"],
    ["a regex that would escape its anchors", "attribute:x =~ 'a)|(b'", 16, "invalid regular expression \"a)|(b\" at column 16"],
    ["an operator agentConnected does not take", "agentConnected > 1", 16, 'operator ">" at column 16 is not valid for agentConnected, expected one of ==, !=, in, !in, =~, !~'],
    ["an operator ec2InstanceId does not take", "ec2InstanceId exists", 15, 'operator "exists" at column 15 is not valid for ec2InstanceId'],
    ["ordering on task:group", "task:group >= a", 12, 'operator ">=" at column 12 is not valid for task:group'],
    ["matches on runningTasksCount", "runningTasksCount =~ 1", 19, 'operator "=~" at column 19 is not valid for runningTasksCount'],
    ["a date registeredAt does not take", "registeredAt < 18-02-2018", 16, 'invalid date "18-02-2018" at column 16'],
    ["a count that is not a number", "runningTasksCount == one", 22, 'invalid count "one" at column 22'],
  ])("%s", (_, text, column, reason) => {
    const error = refusal(() => parseQuery(text));
    expect(error.column).toBe(column);
    expect(error.reason).toContain(reason);
    expect(error.expression).toBe(text);
  });

  it("the message is the reason behind 'memberOf expression:'", () => {
    const error = refusal(() => parseQuery("attribute:ecs.instance-type == && attribute:x exists"));
    expect(error.message).toBe('memberOf expression: unexpected "&&" at column 32, expected a value after "=="');
  });

  it("renders the expression with a caret under the column", () => {
    const error = refusal(() => parseQuery("attribute:x in [a, b"));
    expect(renderQueryError(error)).toBe(
      'memberOf expression: unexpected end of expression at column 21, expected "," or "]" to close the "[" at column 16\n' +
        "  attribute:x in [a, b\n" +
        "                      ^",
    );
    expect(caretLine(1)).toBe("^");
    expect(caretLine(4)).toBe("   ^");
  });
});

describe("compile: attributes map to node labels", () => {
  it.each<[string, string, QueryCompileContext, string[] | typeof ANY_NODE]>([
    ["ecs.availability-zone → topology.kubernetes.io/zone", "attribute:ecs.availability-zone == us-east-1a", {}, [`${ZONE} In [us-east-1a]`]],
    ["ecs.instance-type → node.kubernetes.io/instance-type", "attribute:ecs.instance-type == t2.micro", {}, [`${TYPE} In [t2.micro]`]],
    ["ecs.os-type → kubernetes.io/os, lower-cased", "attribute:ecs.os-type == LINUX", {}, ["kubernetes.io/os In [linux]"]],
    ["ecs.os-type windows → windows", "attribute:ecs.os-type == windows", {}, ["kubernetes.io/os In [windows]"]],
    ["ecs.cpu-architecture x86_64 → kubernetes.io/arch amd64", "attribute:ecs.cpu-architecture == x86_64", {}, ["kubernetes.io/arch In [amd64]"]],
    ["ecs.cpu-architecture arm64 → arm64", "attribute:ecs.cpu-architecture in [arm64, x86_64]", {}, ["kubernetes.io/arch In [arm64, amd64]"]],
    ["ec2InstanceId → kubernetes.io/hostname", "ec2InstanceId == i-abcd1234", {}, [`${HOST} In [i-abcd1234]`]],
    ["ec2InstanceId → the configured label", "ec2InstanceId == i-abcd1234", { instanceIdLabel: "example.com/instance-id" }, ["example.com/instance-id In [i-abcd1234]"]],
    ["a custom attribute foo → node label foo", "attribute:stack == prod", {}, ["stack In [prod]"]],
    ["a custom attribute with a prefix", "attribute:stack == prod", { customAttributePrefix: "attributes.example.com/" }, ["attributes.example.com/stack In [prod]"]],
    ["a built-in without a well-known label is custom: ecs.ami-id", "attribute:ecs.ami-id == ami-1234abcd", {}, ["ecs.ami-id In [ami-1234abcd]"]],
    ["a built-in without a well-known label is custom: ecs.subnet-id", "attribute:ecs.subnet-id exists", {}, ["ecs.subnet-id Exists"]],
    ["the prefix does not apply to mapped attributes", "attribute:ecs.instance-type == t2.micro", { customAttributePrefix: "a.example.com/" }, [`${TYPE} In [t2.micro]`]],
    [
      "ctx.attributeLabels overrides a default",
      "attribute:ecs.availability-zone == us-east-1a",
      { attributeLabels: { "ecs.availability-zone": { key: "failure-domain.beta.kubernetes.io/zone" } } },
      ["failure-domain.beta.kubernetes.io/zone In [us-east-1a]"],
    ],
    [
      "ctx.attributeLabels maps a custom attribute and its values",
      "attribute:tier in [gold, silver]",
      { attributeLabels: { tier: { key: "example.com/tier", values: { gold: "1" }, lowerCase: true } } },
      ["example.com/tier In [1, silver]"],
    ],
    ["ctx.attributeLabels keeps the other defaults", "attribute:ecs.instance-type == t2.micro", { attributeLabels: { x: { key: "y" } } }, [`${TYPE} In [t2.micro]`]],
  ])("%s", (_, text, ctx, expected) => {
    expect(terms(compileMemberOf(text, ctx))).toEqual(expected);
  });
});

describe("compile: each operator", () => {
  it.each<[string, string, string[] | typeof ANY_NODE]>([
    ["== → In", "attribute:stack == prod", ["stack In [prod]"]],
    ["!= → Exists and NotIn (a missing attribute is not != prod, per the ECS docs)", "attribute:stack != prod", ["stack Exists && stack NotIn [prod]"]],
    ["exists → Exists", "attribute:gpu exists", ["gpu Exists"]],
    ["!exists → DoesNotExist", "attribute:gpu !exists", ["gpu DoesNotExist"]],
    ["in → In", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", [`${ZONE} In [us-east-1a, us-east-1b]`]],
    ["in with a repeated value → In once", "attribute:z in [a, b, a]", ["z In [a, b]"]],
    ["!in → Exists and NotIn", "attribute:ecs.availability-zone !in [us-east-1d]", [`${ZONE} Exists && ${ZONE} NotIn [us-east-1d]`]],
    ["> n → Gt n", "attribute:cores > 4", ["cores Gt [4]"]],
    [">= n → Gt n-1", "attribute:cores >= 4", ["cores Gt [3]"]],
    ["< n → Lt n", "attribute:cores < 4", ["cores Lt [4]"]],
    ["<= n → Lt n+1", "attribute:cores <= 4", ["cores Lt [5]"]],
    [">= a negative number → Gt n-1", "attribute:t >= -3", ["t Gt [-4]"]],
    ["> with a plus sign", "attribute:t > +7", ["t Gt [7]"]],
    ["> the largest int64 stays in range", "attribute:t > 9223372036854775807", ["t Gt [9223372036854775807]"]],
    ["=~ → In the matching node values, sorted", "attribute:ecs.instance-type =~ t2.*", [`${TYPE} In [t2.large, t2.micro]`]],
    ["!~ → Exists and NotIn the matching node values", "attribute:ecs.instance-type !~ t2.*", [`${TYPE} Exists && ${TYPE} NotIn [t2.large, t2.micro]`]],
    ["=~ matches the whole value, like Java's matches()", "attribute:ecs.instance-type =~ t2", NO_NODE],
    ["=~ with alternation in quotes", "attribute:ecs.instance-type =~ 'm5\\.(large|xlarge)'", [`${TYPE} In [m5.large, m5.xlarge]`]],
    ["=~ on an ECS vocabulary: x86.* matches amd64 nodes", "attribute:ecs.cpu-architecture =~ x86.*", ["kubernetes.io/arch In [amd64]"]],
    ["=~ on ec2InstanceId matches hostnames", "ec2InstanceId =~ i-[a-z]+.*", [`${HOST} In [i-abcd1234, i-wxyx7890]`]],
    ["== with a * wildcard → In the matching node values", "attribute:ecs.instance-type == t2.*", [`${TYPE} In [t2.large, t2.micro]`]],
    ["* in == is a wildcard, . is literal", "attribute:ecs.instance-type == m5.*large", [`${TYPE} In [m5.2xlarge, m5.large, m5.xlarge]`]],
    ["in mixes values and wildcards", "attribute:ecs.instance-type in [g2.*, c5.large]", [`${TYPE} In [g2.2xlarge, c5.large]`]],
    ["!= with a wildcard → Exists and NotIn the matches", "attribute:ecs.instance-type != t3.*", [`${TYPE} Exists && ${TYPE} NotIn [t3.micro]`]],
    ["!~ matching nothing → Exists", "attribute:ecs.instance-type !~ p4.*", [`${TYPE} Exists`]],
  ])("%s", (_, text, expected) => {
    expect(terms(compileMemberOf(text, NODES))).toEqual(expected);
  });

  it("the word forms compile like the symbols", () => {
    expect(compileMemberOf("attribute:z not_in [a] and attribute:n greater_than_equal 2 or attribute:g not_exists")).toEqual(
      compileMemberOf("attribute:z !in [a] && attribute:n >= 2 || attribute:g !exists"),
    );
  });

  it("emits plain V1NodeAffinity objects", () => {
    expect(compileMemberOf("attribute:ecs.instance-type == t2.small || attribute:gpu exists")).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: TYPE, operator: "In", values: ["t2.small"] }] },
            { matchExpressions: [{ key: "gpu", operator: "Exists" }] },
          ],
        },
      },
      unsupported: [],
      notes: [],
      dependsOnLabels: [],
    });
  });
});

describe("compile: negation is pushed down (De Morgan)", () => {
  it.each<[string, string, string[] | typeof ANY_NODE]>([
    ["!(==) → NotIn (which also matches nodes without the label)", "!(attribute:stack == prod)", ["stack NotIn [prod]"]],
    ["!(!=) → DoesNotExist or In", "!(attribute:stack != prod)", ["stack DoesNotExist", "stack In [prod]"]],
    ["!(in) → NotIn", "not(attribute:z in [a, b])", ["z NotIn [a, b]"]],
    ["!(!in) → DoesNotExist or In", "!(attribute:z !in [a, b])", ["z DoesNotExist", "z In [a, b]"]],
    ["!(exists) → DoesNotExist", "!attribute:gpu exists", ["gpu DoesNotExist"]],
    ["!(!exists) → Exists", "!attribute:gpu !exists", ["gpu Exists"]],
    ["!(> 3) → DoesNotExist or Lt 4", "!(attribute:n > 3)", ["n DoesNotExist", "n Lt [4]"]],
    ["!(>= 3) → DoesNotExist or Lt 3", "!(attribute:n >= 3)", ["n DoesNotExist", "n Lt [3]"]],
    ["!(< 3) → DoesNotExist or Gt 2", "!(attribute:n < 3)", ["n DoesNotExist", "n Gt [2]"]],
    ["!(<= 3) → DoesNotExist or Gt 3", "!(attribute:n <= 3)", ["n DoesNotExist", "n Gt [3]"]],
    ["!(=~) → NotIn the matches", "!(attribute:ecs.instance-type =~ t2.*)", [`${TYPE} NotIn [t2.large, t2.micro]`]],
    ["!(!~) → DoesNotExist or In the matches", "!(attribute:ecs.instance-type !~ t2.*)", [`${TYPE} DoesNotExist`, `${TYPE} In [t2.large, t2.micro]`]],
    ["!(=~ nothing) → any node", "!(attribute:ecs.instance-type =~ p4.*)", ANY_NODE],
    ["!(a && b) → !a || !b", "!(attribute:a exists && attribute:b == 1)", ["a DoesNotExist", "b NotIn [1]"]],
    ["!(a || b) → !a && !b", "!(attribute:a exists || attribute:b == 1)", ["a DoesNotExist && b NotIn [1]"]],
    ["!!a → a", "!!attribute:a exists", ["a Exists"]],
    ["not not a → a", "not not attribute:a == 1", ["a In [1]"]],
    ["!(a || (b && c)) → !a && (!b || !c)", "!(attribute:a exists || (attribute:b exists && attribute:c exists))", ["a DoesNotExist && b DoesNotExist", "a DoesNotExist && c DoesNotExist"]],
  ])("%s", (_, text, expected) => {
    expect(terms(compileMemberOf(text, NODES))).toEqual(expected);
  });
});

describe("compile: disjunctive normal form", () => {
  it.each<[string, string, string[] | typeof ANY_NODE]>([
    ["a || b && c → two terms", "attribute:a == 1 || attribute:b == 2 && attribute:c == 3", ["a In [1]", "b In [2] && c In [3]"]],
    ["(a || b) && c → c distributed over both", "(attribute:a == 1 || attribute:b == 2) && attribute:c == 3", ["a In [1] && c In [3]", "b In [2] && c In [3]"]],
    [
      "(a || b) && (c || d) → four terms",
      "(attribute:a exists || attribute:b exists) && (attribute:c exists || attribute:d exists)",
      ["a Exists && c Exists", "a Exists && d Exists", "b Exists && c Exists", "b Exists && d Exists"],
    ],
    ["a term that contradicts itself is dropped", "(attribute:x == a || attribute:x == b) && attribute:x == b", ["x In [b]"]],
    ["the same term twice → once", "attribute:x == a || attribute:x == a", ["x In [a]"]],
    ["the same requirement twice in a term → once", "attribute:x == a && attribute:x == a", ["x In [a]"]],
    ["In ∩ In empty → no node", "attribute:x == a && attribute:x == b", NO_NODE],
    ["In a and NotIn a → no node", "attribute:x == a && attribute:x != a", NO_NODE],
    ["exists and !exists → no node", "attribute:x exists && attribute:x !exists", NO_NODE],
    ["In and DoesNotExist → no node", "attribute:x == a && !attribute:x exists", NO_NODE],
    ["NotIn and DoesNotExist are compatible", "!(attribute:x == a) && attribute:x !exists", ["x NotIn [a] && x DoesNotExist"]],
    ["a pattern that matches nothing drops out of an OR", "attribute:ecs.instance-type =~ p4.* || attribute:ecs.availability-zone == us-east-1a", [`${ZONE} In [us-east-1a]`]],
    ["a pattern that matches nothing empties an AND", "attribute:ecs.instance-type =~ p4.* && attribute:ecs.availability-zone == us-east-1a", NO_NODE],
  ])("%s", (_, text, expected) => {
    expect(terms(compileMemberOf(text, NODES))).toEqual(expected);
  });

  it("refuses more than 64 alternatives at the operator where they appear", () => {
    const pair = (i: number): string => `(attribute:a${i} exists || attribute:b${i} exists)`;
    const six = [1, 2, 3, 4, 5, 6].map(pair).join(" && ");
    expect(terms(compileMemberOf(six))).toHaveLength(64);
    const seven = `${six} && ${pair(7)}`;
    const error = refusal(() => compileMemberOf(seven));
    expect(error.column).toBe(six.length + 2);
    expect(error.reason).toContain(`too complex at column ${six.length + 2}: the expression expands to 128 alternatives`);
    expect(error.reason).toContain("more than 64");
  });

  it("ctx.maxTerms caps an OR chain too", () => {
    const text = "attribute:a exists || attribute:b exists || attribute:c exists || attribute:d exists";
    expect(terms(compileMemberOf(text, { maxTerms: 4 }))).toHaveLength(4);
    const error = refusal(() => compileMemberOf(`${text} || attribute:e exists`, { maxTerms: 4 }));
    expect(error.column).toBe(text.length + 2);
  });

  it("no node matches → an Exists and a DoesNotExist on one key, with a note", () => {
    const result = compileMemberOf("attribute:x == a && attribute:x == b");
    expect(result.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: UNSATISFIABLE_LABEL, operator: "Exists" },
              { key: UNSATISFIABLE_LABEL, operator: "DoesNotExist" },
            ],
          },
        ],
      },
    });
    expect(result.notes).toEqual([expect.stringContaining("no node can meet the expression")]);
  });
});

describe("compile: patterns follow the nodes' labels", () => {
  it("reports the label keys the result depends on, sorted, once", () => {
    const result = compileMemberOf(
      "attribute:ecs.instance-type =~ t2.* || ec2InstanceId =~ i-.* || attribute:ecs.instance-type == m5.* || attribute:ecs.availability-zone == us-east-1a",
      NODES,
    );
    expect(result.dependsOnLabels).toEqual([HOST, TYPE]);
  });

  it("exact values depend on no label", () => {
    expect(compileMemberOf("attribute:ecs.instance-type in [t2.micro, m5.large]", NODES).dependsOnLabels).toEqual([]);
  });

  it("a new node value changes the result", () => {
    const before = compileMemberOf("attribute:ecs.instance-type =~ t2.*", { nodeLabelValues: { [TYPE]: ["t2.micro"] } });
    const after = compileMemberOf("attribute:ecs.instance-type =~ t2.*", { nodeLabelValues: { [TYPE]: ["t2.nano", "t2.micro"] } });
    expect(terms(before)).toEqual([`${TYPE} In [t2.micro]`]);
    expect(terms(after)).toEqual([`${TYPE} In [t2.micro, t2.nano]`]);
  });

  it("the order of the nodes does not change the result", () => {
    const a = compileMemberOf("attribute:ecs.instance-type =~ m5.*", { nodeLabelValues: { [TYPE]: ["m5.large", "m5.xlarge"] } });
    const b = compileMemberOf("attribute:ecs.instance-type =~ m5.*", { nodeLabelValues: { [TYPE]: ["m5.xlarge", "m5.large"] } });
    expect(a).toEqual(b);
  });

  it("no matching node → no node, a note naming the label, and the dependency", () => {
    const result = compileMemberOf("attribute:ecs.instance-type =~ p4.*", NODES);
    expect(terms(result)).toEqual(NO_NODE);
    expect(result.notes[0]).toContain(`attribute:ecs.instance-type =~ p4.* (column 1): no node has a ${TYPE} label that matches`);
    expect(result.dependsOnLabels).toEqual([TYPE]);
  });

  it("without node label values, a pattern matches no node", () => {
    expect(terms(compileMemberOf("attribute:ecs.instance-type =~ t2.*"))).toEqual(NO_NODE);
  });
});

describe("compile: values and keys Kubernetes cannot hold", () => {
  it.each<[string, string, string[] | typeof ANY_NODE, string]>([
    ["a value with a space cannot be a label value: == matches no node", "attribute:team == 'web frontend'", NO_NODE, '"web frontend" cannot be a Kubernetes label value'],
    ["!= such a value → Exists", "attribute:team != 'web frontend'", ["team Exists"], "cannot be a Kubernetes label value"],
    ["the valid values of a list are kept", "attribute:team in [web, 'a b']", ["team In [web]"], '"a b" cannot be a Kubernetes label value'],
    ["a key that cannot be a label key: exists matches no node", "attribute:a/b/c exists", NO_NODE, '"a/b/c" is not a valid Kubernetes label key'],
    ["… and !exists matches every node", "attribute:a/b/c !exists", ANY_NODE, "is not a valid Kubernetes label key"],
    ["… and !(==) matches every node", "!(attribute:a\\b == 1)", ANY_NODE, '"a\\\\b" is not a valid Kubernetes label key'],
  ])("%s", (_, text, expected, note) => {
    const result = compileMemberOf(text);
    expect(terms(result)).toEqual(expected);
    expect(result.notes.join("\n")).toContain(note);
  });

  it.each([
    ["a fraction", "attribute:n > 1.5", 15, '"1.5" at column 15 is not an integer: Kubernetes compares node labels only as integers (Gt, Lt)'],
    ["a version", "attribute:agent >= 1.14.5", 20, '"1.14.5" at column 20 is not an integer'],
    ["a word, quoted", "attribute:n < 'ten'", 15, '"ten" at column 15 is not an integer'],
    ["beyond int64 after +1", "attribute:n <= 9223372036854775807", 16, "9223372036854775807 at column 16 is out of range"],
    ["beyond int64 after -1", "attribute:n >= -9223372036854775808", 16, "-9223372036854775808 at column 16 is out of range"],
  ])("refuses an ordering on %s", (_, text, column, reason) => {
    const error = refusal(() => compileMemberOf(text));
    expect(error.column).toBe(column);
    expect(error.reason).toContain(reason);
  });
});

describe("compile: fields with no Kubernetes counterpart are reported, never dropped silently", () => {
  it.each([
    ["agentConnected", "agentConnected == true", "agentConnected == true (column 1): Kubernetes has no ECS agent"],
    ["agentVersion", "agentVersion < 1.14.5", "agentVersion < 1.14.5 (column 1): Kubernetes has no ECS agent"],
    ["registeredAt", "registeredAt < 2018-02-13", "registeredAt < 2018-02-13 (column 1): when a node registered is not a node label"],
    ["runningTasksCount", "runningTasksCount == 1", "runningTasksCount == 1 (column 1): how many tasks run on a node is not a node label"],
  ])("%s → unsupported, ignored", (_, text, message) => {
    const result = compileMemberOf(text);
    expect(terms(result)).toBe(ANY_NODE);
    expect(result.unsupported).toEqual([expect.stringContaining(message)]);
    expect(result.unsupported[0]).toContain("the condition is ignored");
  });

  it("a negated unsupported condition is ignored too (not turned into 'no node')", () => {
    const result = compileMemberOf("not(agentConnected == false)");
    expect(terms(result)).toBe(ANY_NODE);
    expect(result.unsupported).toEqual([expect.stringContaining("!(agentConnected == false) (column 5)")]);
  });

  it("the rest of an AND still applies", () => {
    const result = compileMemberOf("attribute:ecs.instance-type == t2.micro && runningTasksCount < 3");
    expect(terms(result)).toEqual([`${TYPE} In [t2.micro]`]);
    expect(result.unsupported).toEqual([expect.stringContaining("runningTasksCount < 3 (column 44)")]);
  });
});

describe("compile: task:group → pod (anti-)affinity at the top level", () => {
  const affinity = (values: string[] | "exists", key = GROUP, topologyKey = HOST): unknown => ({
    labelSelector: { matchExpressions: [values === "exists" ? { key, operator: "Exists" } : { key, operator: "In", values }] },
    topologyKey,
  });

  it.each<[string, string, unknown[], unknown[]]>([
    ["task:group == x → pod affinity", "task:group == databases", [affinity(["databases"])], []],
    ["the docs' task affinity: service:production → label value service.production", "task:group == service:production", [affinity(["service.production"])], []],
    ["the docs' task anti-affinity: not(task:group == database)", "not(task:group == database)", [], [affinity(["database"])]],
    ["task:group != x → pod anti-affinity", "task:group != database", [], [affinity(["database"])]],
    ["task:group in [a, b] → pod affinity In [a, b]", "task:group in [a, b]", [affinity(["a", "b"])], []],
    ["task:group !in [a, b] → pod anti-affinity In [a, b]", "task:group !in [a, b]", [], [affinity(["a", "b"])]],
    ["!(task:group != x) → pod affinity", "!(task:group != x)", [affinity(["x"])], []],
    ["task:group exists → affinity to any grouped pod", "task:group exists", [affinity("exists")], []],
    ["task:group !exists → anti-affinity to every grouped pod", "task:group !exists", [], [affinity("exists")]],
    ["two conditions → two terms (Kubernetes ANDs them)", "task:group == a && task:group != b", [affinity(["a"])], [affinity(["b"])]],
    ["!(a || b) → two anti-affinity terms", "!(task:group == a || task:group == b)", [], [affinity(["a"]), affinity(["b"])]],
  ])("%s", (_, text, required, antiRequired) => {
    const result = compileMemberOf(text);
    expect(result.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).toEqual(required);
    expect(result.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).toEqual(antiRequired);
    expect(result.nodeAffinity).toBeUndefined();
    expect(result.unsupported).toEqual([]);
  });

  it("combines with node conditions in the same AND", () => {
    const result = compileMemberOf("task:group == db && attribute:ecs.instance-type == t2.micro");
    expect(terms(result)).toEqual([`${TYPE} In [t2.micro]`]);
    expect(result.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual([affinity(["db"])]);
  });

  it("honours ctx.taskGroupLabel and ctx.hostTopologyKey", () => {
    const result = compileMemberOf("task:group == db", { taskGroupLabel: "example.com/group", hostTopologyKey: "example.com/node" });
    expect(result.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual([affinity(["db"], "example.com/group", "example.com/node")]);
  });

  it.each([
    ["under ||", "task:group == a || attribute:x exists", "only expressible as an operand of the top-level"],
    ["under a negated &&", "!(task:group == a && attribute:x exists)", "only expressible as an operand of the top-level"],
    ["with a pattern", "task:group =~ service:.*", "pod affinity needs the group names, not a pattern"],
  ])("%s → unsupported, ignored", (_, text, message) => {
    const result = compileMemberOf(text);
    expect(result.podAffinity).toBeUndefined();
    expect(result.podAntiAffinity).toBeUndefined();
    expect(result.unsupported).toEqual([expect.stringContaining(message)]);
  });
});

describe("taskGroupLabelValue", () => {
  it.each([
    ["a plain name is kept", "databases", "databases"],
    ["service:web → service.web", "service:web", "service.web"],
    ["family:nginx → family.nginx", "family:nginx", "family.nginx"],
  ])("%s", (_, group, value) => {
    expect(taskGroupLabelValue(group)).toBe(value);
  });

  it.each([
    ["spaces", "my group", /^my-group-[0-9a-f]{10}$/],
    ["more than 63 characters", `service:${"x".repeat(100)}`, /^service\.x+-[0-9a-f]{10}$/],
    ["only symbols", "@@@", /^[0-9a-f]{10}$/],
  ])("a group with %s becomes a valid label value with a hash", (_, group, pattern) => {
    const value = taskGroupLabelValue(group);
    expect(value).toMatch(pattern);
    expect(isLabelValue(value)).toBe(true);
  });

  it("different groups with the same readable stem stay apart", () => {
    expect(taskGroupLabelValue("a b")).not.toBe(taskGroupLabelValue("a@b"));
  });
});

describe("label names", () => {
  it.each([
    ["stack", true],
    ["topology.kubernetes.io/zone", true],
    ["a/b/c", false],
    ["Example.com/x", false],
    ["x".repeat(64), false],
    ["a\\b", false],
    ["-a", false],
  ])("key %s valid: %s", (key, valid) => {
    expect(isLabelKey(key)).toBe(valid);
  });

  it.each([
    ["", true],
    ["us-east-1a", true],
    ["a b", false],
    ["x".repeat(64), false],
    ["a.", false],
  ])("value %j valid: %s", (value, valid) => {
    expect(isLabelValue(value)).toBe(valid);
  });
});

describe("andNodeSelectorTerms", () => {
  const term = (...exprs: [string, string, string[]?][]): { matchExpressions: { key: string; operator: string; values?: string[] }[] } => ({
    matchExpressions: exprs.map(([key, operator, values]) => (values === undefined ? { key, operator } : { key, operator, values })),
  });

  it("absent and absent → absent (every node)", () => {
    expect(andNodeSelectorTerms(undefined, undefined)).toBeUndefined();
  });

  it("one side absent → the other", () => {
    expect(andNodeSelectorTerms([term(["a", "Exists"])], undefined)).toEqual([term(["a", "Exists"])]);
  });

  it("two ORs → their cross product, without contradictions", () => {
    expect(
      andNodeSelectorTerms([term(["z", "In", ["a"]]), term(["z", "In", ["b"]])], [term(["z", "In", ["b"]]), term(["g", "Exists"])]),
    ).toEqual([term(["z", "In", ["a"]], ["g", "Exists"]), term(["z", "In", ["b"]]), term(["z", "In", ["b"]], ["g", "Exists"])]);
  });

  it("keeps matchFields", () => {
    const byName = { matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] };
    expect(andNodeSelectorTerms([byName], [term(["a", "Exists"])])).toEqual([
      { matchExpressions: [{ key: "a", operator: "Exists" }], matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] },
    ]);
  });

  it("an empty V1 term matches no node", () => {
    expect(andNodeSelectorTerms([{}], [term(["a", "Exists"])])).toEqual(NO_NODE_TERMS);
  });

  it("throws TooManyTermsError beyond the cap", () => {
    const four = ["a", "b", "c", "d"].map((k) => term([k, "Exists"]));
    expect(() => andNodeSelectorTerms(four, four.map((t) => ({ matchExpressions: t.matchExpressions.map((e) => ({ ...e, key: `${e.key}2` })) })), 15)).toThrow(
      TooManyTermsError,
    );
  });
});

const NO_NODE_TERMS = [
  {
    matchExpressions: [
      { key: UNSATISFIABLE_LABEL, operator: "Exists" },
      { key: UNSATISFIABLE_LABEL, operator: "DoesNotExist" },
    ],
  },
];

describe("compileToNodeAffinity is pure", () => {
  it("the same AST and context give the same result, and the AST is not changed", () => {
    const ast = parseQuery("!(attribute:ecs.instance-type =~ t2.* || task:group == a) && attribute:n >= 2");
    const snapshot = structuredClone(ast);
    expect(compileToNodeAffinity(ast, NODES)).toEqual(compileToNodeAffinity(ast, NODES));
    expect(ast).toEqual(snapshot);
  });
});
