// IAM policy documents as resources carry them: a JSON string or an object, `Statement` a list or a single
// statement, `Action` and `Resource` a string or a list. Read into one shape, so that a rule cannot miss a grant
// by reading one spelling only.

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  NotAction?: string[];
  Resource: string[];
  NotResource?: string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

/** The statements of a policy document, or undefined when `value` is not one. */
export function statementsOf(value: unknown): Statement[] | undefined {
  let document = value;
  if (typeof document === "string") {
    try {
      document = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  if (typeof document !== "object" || document === null || !("Statement" in document)) return undefined;
  const raw = (document as { Statement: unknown }).Statement;
  return (Array.isArray(raw) ? raw : [raw]).map((statement: Record<string, unknown>) => ({
    ...statement,
    Effect: statement.Effect as Statement["Effect"],
    Action: list(statement.Action),
    Resource: list(statement.Resource),
    ...("NotAction" in statement ? { NotAction: list(statement.NotAction) } : {}),
    ...("NotResource" in statement ? { NotResource: list(statement.NotResource) } : {}),
  }));
}
