import { ValidationError } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import {
  buildTargetQuery,
  checkedTargetQuery,
  indexingNeeds,
  queryProblems,
  queryTerms,
  updateValueOf,
} from "../../src/core/query";

describe("buildTargetQuery", () => {
  it("builds the seed's query, fully parenthesised, with the exclusion only when there is a list", () => {
    const parts = {
      fleetIndexQuery: "thingName:myDemoThings*",
      updateKey: "updateKey",
      updateValue: 1624489845511,
    };
    expect(buildTargetQuery({ ...parts, excludeGroupName: null })).toBe(
      "(shadow.reported.updateKey:1624489845511 OR (thingName:myDemoThings*))",
    );
    expect(buildTargetQuery({ ...parts, excludeGroupName: "myFirstJob-exclude" })).toBe(
      "(shadow.reported.updateKey:1624489845511 OR (thingName:myDemoThings*)) AND NOT thingGroupNames:myFirstJob-exclude",
    );
  });

  it("recovers the update value an existing query was built with, and only for the same key", () => {
    const query = buildTargetQuery({
      fleetIndexQuery: "*",
      updateKey: "fw",
      updateValue: 1700000000000,
      excludeGroupName: null,
    });
    expect(updateValueOf(query, "fw")).toBe(1700000000000);
    expect(updateValueOf(query, "updateKey")).toBeUndefined();
    expect(updateValueOf("thingName:x*", "fw")).toBeUndefined();
  });
});

describe("queryTerms", () => {
  it("counts phrases, ranges and field groups as the terms they are", () => {
    expect(
      queryTerms('thingName:(tv* AND -plasma) attributes.model:"big tv" shadow.reported.v:[1 TO 5] x'),
    ).toEqual([
      { field: "thingName", value: "tv*" },
      { field: "thingName", value: "plasma" },
      { field: "attributes.model", value: '"big tv"' },
      { field: "shadow.reported.v", value: "[1 TO 5]" },
      { field: undefined, value: "x" },
    ]);
  });
});

describe("queryProblems", () => {
  it("accepts the seed's queries", () => {
    expect(queryProblems("*")).toEqual([]);
    expect(queryProblems("myDemoThings*")).toEqual([]);
    expect(queryProblems("thingName:dev* AND attributes.model:wo-v8")).toEqual([]);
  });

  it("refuses more than 12 terms", () => {
    const terms = Array.from({ length: 13 }, (_, i) => `thingName:d${i}`).join(" OR ");
    expect(queryProblems(terms)).toEqual(["has 13 terms; fleet indexing allows at most 12"]);
    expect(queryProblems(terms.split(" OR ").slice(0, 12).join(" OR "))).toEqual([]);
  });

  it("allows one leading wildcard, in a query of at most 100 characters", () => {
    expect(queryProblems("thingName:*my")).toEqual([]);
    expect(queryProblems("thingName:*my OR thingGroupNames:*echo")).toEqual([
      "has 2 leading-wildcard terms; at most 1 is allowed",
    ]);
    const long = `thingName:*my AND attributes.a:${"x".repeat(80)}`;
    expect(queryProblems(long)).toEqual([
      `is ${long.length} characters long; a query with a leading wildcard may have at most 100`,
    ]);
    expect(queryProblems(`thingName:my* AND attributes.a:${"x".repeat(80)}`)).toEqual([]);
  });

  it("refuses the characters fleet indexing does not support, naming them", () => {
    expect(queryProblems("thingName:a@b,c")).toEqual([
      "contains characters fleet indexing does not support: @ ,",
    ]);
    expect(queryProblems("attributes.path:a/b;c")).toEqual([
      "contains characters fleet indexing does not support: / ;",
    ]);
  });

  it("refuses empty queries, unbalanced parentheses and unclosed phrases or ranges", () => {
    expect(queryProblems("  ")).toEqual(["must not be empty"]);
    expect(queryProblems("(thingName:a OR thingName:b")).toEqual(["has unbalanced parentheses"]);
    expect(queryProblems("thingName:a)")).toEqual(["has unbalanced parentheses"]);
    expect(queryProblems('attributes.x:"open')).toEqual(['unclosed " at position 14']);
    expect(queryProblems("shadow.reported.v:[1 TO 5")).toEqual(["unclosed [ at position 19"]);
  });
});

describe("checkedTargetQuery", () => {
  it("checks the final query, so the job name's length counts against the leading-wildcard limit", () => {
    const parts = { fleetIndexQuery: "thingName:*x", updateKey: "updateKey", updateValue: 1700000000000 };
    expect(checkedTargetQuery({ ...parts, excludeGroupName: "a-exclude" })).toContain(
      "NOT thingGroupNames:a-exclude",
    );
    const tooLong = () => checkedTargetQuery({ ...parts, excludeGroupName: `${"j".repeat(40)}-exclude` });
    expect(tooLong).toThrow(ValidationError);
    expect(tooLong).toThrow(/^Invalid event: fleetIndexQuery: the job's target query .* characters long/);
  });

  it("counts the two terms it adds against the limit of 12", () => {
    const ten = Array.from({ length: 10 }, (_, i) => `thingName:d${i}`).join(" OR ");
    const parts = { updateKey: "updateKey", updateValue: 1, excludeGroupName: "j-exclude" };
    expect(() => checkedTargetQuery({ ...parts, fleetIndexQuery: ten })).not.toThrow();
    expect(() => checkedTargetQuery({ ...parts, fleetIndexQuery: `${ten} OR thingName:d10` })).toThrow(
      /has 13 terms/,
    );
  });
});

describe("indexingNeeds", () => {
  it("asks for connectivity, Device Defender and named shadows only when the query reads them", () => {
    expect(indexingNeeds("thingName:a* AND NOT thingGroupNames:x")).toEqual({
      connectivity: false,
      deviceDefender: false,
      namedShadows: [],
    });
    expect(
      indexingNeeds(
        "connectivity.connected:true AND shadow.name.fw.reported.v:2 AND deviceDefender.violations:x",
      ),
    ).toEqual({ connectivity: true, deviceDefender: true, namedShadows: ["fw"] });
  });
});
