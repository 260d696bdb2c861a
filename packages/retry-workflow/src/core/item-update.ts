// One DynamoDB UpdateItem built from parts: SET, ADD, REMOVE and DELETE clauses and the conditions they hold
// under. Attribute names are written `#name` and values `:name`; only those an expression uses are sent
// (DynamoDB refuses unused ones), so callers compose parts freely.
import type { AttributeValue, UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });
export const SS = (values: readonly string[]): AttributeValue => ({ SS: [...values] });
export const L = (values: readonly AttributeValue[]): AttributeValue => ({ L: [...values] });
export const M = (fields: Record<string, AttributeValue | undefined>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Item,
});

const NAME = /#([A-Za-z0-9_]+)/g;
const VALUE = /:([A-Za-z0-9_]+)/g;

export class ItemUpdate {
  private readonly clauses = {
    SET: [] as string[],
    ADD: [] as string[],
    REMOVE: [] as string[],
    DELETE: [] as string[],
  };
  private readonly conditions: string[] = [];
  private readonly values: Item = {};

  constructor(
    private readonly table: string,
    private readonly key: Item,
  ) {}

  /** Binds `:name` to `value` for the expressions. */
  bind(name: string, value: AttributeValue): this {
    this.values[name] = value;
    return this;
  }

  set(expression: string): this {
    this.clauses.SET.push(expression);
    return this;
  }

  add(expression: string): this {
    this.clauses.ADD.push(expression);
    return this;
  }

  remove(expression: string): this {
    this.clauses.REMOVE.push(expression);
    return this;
  }

  delete(expression: string): this {
    this.clauses.DELETE.push(expression);
    return this;
  }

  /** A condition the update holds under (all are ANDed). */
  when(condition: string): this {
    this.conditions.push(`(${condition})`);
    return this;
  }

  /** The item after the update (`ALL_NEW`, the default) or nothing (`NONE`: a smaller answer, for the hot path). */
  build(returnValues: "ALL_NEW" | "NONE" = "ALL_NEW"): UpdateItemCommandInput {
    const update = Object.entries(this.clauses)
      .filter(([, parts]) => parts.length > 0)
      .map(([clause, parts]) => `${clause} ${parts.join(", ")}`)
      .join(" ");
    const condition = this.conditions.length > 0 ? this.conditions.join(" AND ") : undefined;
    const text = `${update} ${condition ?? ""}`;
    const names: Record<string, string> = Object.fromEntries(
      [...text.matchAll(NAME)].map(([, name]) => [`#${name}`, name as string]),
    );
    const used = new Set([...text.matchAll(VALUE)].map(([, name]) => name));
    const values = Object.fromEntries(
      Object.entries(this.values)
        .filter(([name]) => used.has(name))
        .map(([name, value]) => [`:${name}`, value]),
    );
    return {
      TableName: this.table,
      Key: this.key,
      UpdateExpression: update,
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: names,
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      ReturnValues: returnValues,
      // The item as it was when a condition failed: the caller decides from it without reading again.
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    };
  }
}
