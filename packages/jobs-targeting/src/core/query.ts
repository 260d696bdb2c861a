// Fleet-index queries: the targeting query a job's dynamic group uses, and the checks AWS would otherwise
// only apply after things were already created (12 terms, one leading wildcard in a query of at most 100
// characters, unsupported characters, balanced grouping).
import { ValidationError } from "@fleet/shared-aws";

export const MAX_TERMS = 12;
export const MAX_LEADING_WILDCARD_QUERY_LENGTH = 100;
const UNSUPPORTED_CHARACTERS = ["`", "@", "#", "%", "\\", "/", "'", ";", ","];
const OPERATORS = new Set(["AND", "OR", "NOT"]);

export interface QueryTerm {
  /** The field searched (`thingName`, `shadow.reported.x`), or undefined for an unfielded term. */
  field: string | undefined;
  /** The searched value, without a leading `-` exclusion. */
  value: string;
}

type Token =
  | { kind: "open" | "close" | "operator" }
  | { kind: "fieldGroup"; field: string }
  | { kind: "term"; text: string };

/** Splits a query into terms, operators and parentheses; throws a message for unbalanced quotes or ranges. */
function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const char = query[i] as string;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === "(" || char === ")") {
      tokens.push({ kind: char === "(" ? "open" : "close" });
      i += 1;
    } else {
      let text = "";
      while (i < query.length && !/[\s()]/.test(query[i] as string)) {
        const c = query[i] as string;
        const closing = c === '"' ? '"' : c === "[" || c === "{" ? "]}" : undefined;
        if (closing) {
          const end = indexOfAny(query, closing, i + 1);
          if (end < 0) throw new Error(`unclosed ${c} at position ${i + 1}`);
          text += query.slice(i, end + 1);
          i = end + 1;
        } else {
          text += c;
          i += 1;
        }
      }
      if (OPERATORS.has(text)) tokens.push({ kind: "operator" });
      else if (text.endsWith(":") && query[i] === "(")
        tokens.push({ kind: "fieldGroup", field: text.slice(0, -1) });
      else tokens.push({ kind: "term", text });
    }
  }
  return tokens;
}

function indexOfAny(text: string, characters: string, from: number): number {
  for (let i = from; i < text.length; i++) if (characters.includes(text[i] as string)) return i;
  return -1;
}

/** The query's terms, each with the field it searches (a field group `f:(a OR b)` gives two terms of `f`). */
export function queryTerms(query: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  // Field of each open parenthesis: terms inside `thingName:( … )` search thingName.
  const groupFields: (string | undefined)[] = [];
  let pendingField: string | undefined;
  for (const token of tokenize(query)) {
    if (token.kind === "fieldGroup") pendingField = token.field;
    else if (token.kind === "open") {
      groupFields.push(pendingField ?? groupFields.at(-1));
      pendingField = undefined;
    } else if (token.kind === "close") groupFields.pop();
    else if (token.kind === "term") {
      const text = token.text.startsWith("-") ? token.text.slice(1) : token.text;
      const colon = fieldSeparator(text);
      terms.push(
        colon < 0
          ? { field: groupFields.at(-1), value: text }
          : { field: text.slice(0, colon), value: text.slice(colon + 1) },
      );
    }
  }
  return terms;
}

/** Index of the `:` between field and value; a colon inside a quoted phrase or a range is part of the value. */
function fieldSeparator(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "[" || c === "{") return -1;
    if (c === ":") return i;
  }
  return -1;
}

/** `*abc` or `?bc` is a leading wildcard; a lone `*` matches everything and is not. */
const isLeadingWildcard = (term: QueryTerm) => /^[*?]/.test(term.value) && term.value !== "*";

/** Every reason AWS would refuse this query, or an empty list. */
export function queryProblems(query: string): string[] {
  if (query.trim() === "") return ["must not be empty"];
  const problems: string[] = [];
  const unsupported = UNSUPPORTED_CHARACTERS.filter((c) => query.includes(c));
  if (unsupported.length > 0)
    problems.push(`contains characters fleet indexing does not support: ${unsupported.join(" ")}`);
  let depth = 0;
  let terms: QueryTerm[];
  try {
    for (const token of tokenize(query)) {
      if (token.kind === "open") depth += 1;
      if (token.kind === "close") depth -= 1;
      if (depth < 0) break;
    }
    terms = queryTerms(query);
  } catch (error) {
    return [...problems, (error as Error).message];
  }
  if (depth !== 0) problems.push("has unbalanced parentheses");
  if (terms.length > MAX_TERMS)
    problems.push(`has ${terms.length} terms; fleet indexing allows at most ${MAX_TERMS}`);
  const leading = terms.filter(isLeadingWildcard);
  if (leading.length > 1) problems.push(`has ${leading.length} leading-wildcard terms; at most 1 is allowed`);
  if (leading.length > 0 && query.length > MAX_LEADING_WILDCARD_QUERY_LENGTH) {
    problems.push(
      `is ${query.length} characters long; a query with a leading wildcard may have at most ${MAX_LEADING_WILDCARD_QUERY_LENGTH}`,
    );
  }
  return problems;
}

export interface TargetQueryParts {
  fleetIndexQuery: string;
  updateKey: string;
  updateValue: number;
  excludeGroupName: string | null;
}

/**
 * The dynamic group's query: devices already fast-tracked (reported shadow key set to this job's value) or
 * matching the fleet query, minus the exclude group. Fully parenthesised: AND/OR precedence is undocumented.
 */
export function buildTargetQuery(parts: TargetQueryParts): string {
  const included = `(shadow.reported.${parts.updateKey}:${parts.updateValue} OR (${parts.fleetIndexQuery}))`;
  return parts.excludeGroupName ? `${included} AND NOT thingGroupNames:${parts.excludeGroupName}` : included;
}

/** The update value an existing target query was built with (so a re-run keeps it), if it has one. */
export function updateValueOf(targetQuery: string, updateKey: string): number | undefined {
  const match = new RegExp(`^\\(shadow\\.reported\\.${updateKey}:(\\d+) OR `).exec(targetQuery);
  return match ? Number(match[1]) : undefined;
}

export interface IndexingNeeds {
  connectivity: boolean;
  deviceDefender: boolean;
  /** Named shadows the query reads (`shadow.name.<name>.…`). */
  namedShadows: string[];
}

/**
 * What thing indexing must include, beyond REGISTRY_AND_SHADOW, for this query to match. `thingGroupNames`
 * is registry data, so exclusions need no thing-group indexing.
 */
export function indexingNeeds(query: string): IndexingNeeds {
  const fields = queryTerms(query).map((term) => term.field ?? "");
  const namedShadows = fields.flatMap((field) => /^shadow\.name\.([^.]+)\./.exec(field)?.[1] ?? []);
  return {
    connectivity: fields.some((field) => field.startsWith("connectivity.")),
    deviceDefender: fields.some((field) => field.startsWith("deviceDefender.")),
    namedShadows: [...new Set(namedShadows)],
  };
}

/** The target query for these parts, or a ValidationError on `fleetIndexQuery` saying why AWS would refuse it. */
export function checkedTargetQuery(parts: TargetQueryParts): string {
  const query = buildTargetQuery(parts);
  const problems = queryProblems(query);
  if (problems.length > 0) {
    throw new ValidationError(
      problems.map(
        (problem) => `fleetIndexQuery: the job's target query ${JSON.stringify(query)} ${problem}`,
      ),
    );
  }
  return query;
}
