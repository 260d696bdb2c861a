import { describe, expect, it } from "@jest/globals";
import { ItemUpdate, N, S } from "../../src/core/item-update";

describe("ItemUpdate", () => {
  it("sends only the names and values its expressions use (DynamoDB refuses unused ones)", () => {
    const input = new ItemUpdate("t", { deviceId: S("d") })
      .bind("one", N(1))
      .bind("unused", S("x"))
      .bind("counting", S("counting"))
      .when("#phase = :counting")
      .add("#retryCounter :one")
      .remove("#lockOwner")
      .build();
    expect(input).toEqual({
      TableName: "t",
      Key: { deviceId: { S: "d" } },
      UpdateExpression: "ADD #retryCounter :one REMOVE #lockOwner",
      ConditionExpression: "(#phase = :counting)",
      ExpressionAttributeNames: {
        "#retryCounter": "retryCounter",
        "#lockOwner": "lockOwner",
        "#phase": "phase",
      },
      ExpressionAttributeValues: { ":one": { N: "1" }, ":counting": { S: "counting" } },
      ReturnValues: "ALL_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });
});
