// Each policy of the pack passes a well-formed stack and rejects each way of breaking it, with a message naming
// the resource and what is wrong. The real stacks are held to the pack in infra's tests.
import { describe, expect, it } from "@jest/globals";
import { evaluate, type PolicyRecord, UNKNOWN } from "../../src/evaluate";
import { FLEET_POLICIES, SUPPORTED_NODE_RUNTIMES } from "../../src/policies";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const bucketArn = "arn:aws:s3:::lists-1";
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/fleet/dev/${name}`;

const record = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  computed: Record<string, unknown> = {},
): PolicyRecord => ({ type, name, inputs, outputs: { ...inputs, ...computed } });
const document = (...statements: unknown[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
const allow = (Action: string[], Resource: string[], extra: Record<string, unknown> = {}) => ({
  Effect: "Allow",
  Action,
  Resource,
  ...extra,
});
const inRegion = { Condition: { StringEquals: { "aws:RequestedRegion": REGION } } };

const fn = (name: string, role = roleArn(`${name}-role`), logGroup = `/aws/lambda/${name}-logs-1`) =>
  record(
    "aws:lambda/function:Function",
    name,
    {
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      role,
      loggingConfig: { logFormat: "JSON", logGroup },
    },
    { name: `${name}-1`, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}-1` },
  );
const role = (name: string) =>
  record(
    "aws:iam/role:Role",
    name,
    {
      path: "/fleet/dev/",
      assumeRolePolicy: document({
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
    },
    { name, arn: roleArn(name) },
  );
const logGroup = (name: string, groupName: string) =>
  record("aws:cloudwatch/logGroup:LogGroup", name, { name: groupName, retentionInDays: 30 });

/** A small stack keeping every rule: one bucket with its configurations, one function, one state machine. */
const wellFormed = (): PolicyRecord[] => [
  record("aws:s3/bucket:Bucket", "lists", {}, { bucket: "lists-1", arn: bucketArn }),
  record(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "lists-encryption",
    {
      bucket: "lists-1",
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    },
  ),
  record("aws:s3/bucketVersioning:BucketVersioning", "lists-versioning", {
    bucket: "lists-1",
    versioningConfiguration: { status: "Enabled" },
  }),
  record("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "lists-public-access", {
    bucket: "lists-1",
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }),
  record("aws:s3/bucketPolicy:BucketPolicy", "lists-policy", {
    bucket: "lists-1",
    policy: document({
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: ["s3:*"],
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    }),
  }),
  logGroup("reader-logs", "/aws/lambda/reader-logs-1"),
  role("reader-role"),
  record("aws:iam/rolePolicy:RolePolicy", "reader-policy", {
    role: "reader-role",
    policy: document(
      allow(["s3:GetObject"], [`${bucketArn}/*`]),
      allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"], inRegion),
    ),
  }),
  fn("reader"),
  role("flow-role"),
  record("aws:sfn/stateMachine:StateMachine", "flow", { roleArn: roleArn("flow-role"), definition: "{}" }),
];

/** The stack with `name`'s inputs (and outputs) changed, or the resource removed when `change` returns null. */
const changed = (
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown> | null,
  records = wellFormed(),
): PolicyRecord[] =>
  records.flatMap((r) => {
    if (r.name !== name) return [r];
    const inputs = change(structuredClone(r.inputs));
    const computed = Object.fromEntries(Object.entries(r.outputs).filter(([key]) => !(key in r.inputs)));
    return inputs === null ? [] : [{ ...r, inputs, outputs: { ...inputs, ...computed } }];
  });
const violations = (records: PolicyRecord[]) => evaluate(FLEET_POLICIES, records, { region: REGION });
const only = (policy: string, resource: string, message: string) => [{ policy, resource, message }];

describe("the pack", () => {
  it("passes a well-formed stack", async () => {
    expect(await violations(wellFormed())).toEqual([]);
  });

  it("is mandatory throughout, each policy named once", () => {
    const names = FLEET_POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(FLEET_POLICIES.map((p) => p.enforcementLevel)).toEqual(names.map(() => "mandatory"));
  });
});

describe("iam-no-wildcard-actions", () => {
  const policy = "iam-no-wildcard-actions";
  it.each([
    ["*", "statement 0: grants the wildcard action *"],
    ["iot:*", "statement 0: grants the wildcard action iot:*"],
    ["iot:Describe*", "statement 0: grants the wildcard action iot:Describe*"],
  ])("rejects %s in a role policy", async (action, message) => {
    const broken = changed("reader-policy", (inputs) => ({
      ...inputs,
      policy: document(allow([action], [`${bucketArn}/*`])),
    }));
    expect(await violations(broken)).toEqual(only(policy, "reader-policy", message));
  });

  it("rejects NotAction, a single-string Action, and wildcards in inline, trust, bucket and key policies", async () => {
    const broken = [
      ...changed("reader-policy", (inputs) => ({
        ...inputs,
        policy: document(
          { Effect: "Allow", NotAction: "iam:*", Resource: `${bucketArn}/*` },
          {
            Effect: "Allow",
            Action: "s3:Get*",
            Resource: `${bucketArn}/*`,
          },
        ),
      })),
      record("aws:iam/role:Role", "wide-role", {
        assumeRolePolicy: document({
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:*",
        }),
        inlinePolicies: [
          { name: "inline", policy: document(allow(["sns:*"], [`arn:aws:sns:${REGION}:${ACCOUNT}:t`])) },
        ],
      }),
      record("aws:s3/bucketPolicy:BucketPolicy", "open-policy", {
        bucket: "other",
        policy: document({
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "s3:*",
          Resource: "arn:aws:s3:::other/*",
        }),
      }),
      record("aws:kms/key:Key", "key", {
        policy: document({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:*",
          Resource: "*",
        }),
      }),
    ];
    const found = (await violations(broken)).filter((v) => v.policy === policy);
    expect(found.map((v) => `${v.resource}: ${v.message}`)).toEqual([
      "reader-policy: statement 0: uses NotAction",
      "reader-policy: statement 1: grants the wildcard action s3:Get*",
      "wide-role: trust policy: statement 0: grants the wildcard action sts:*",
      "wide-role: inline policy inline: statement 0: grants the wildcard action sns:*",
      "open-policy: statement 0: grants the wildcard action s3:*",
      "key: statement 0: grants the wildcard action kms:*",
    ]);
  });

  it("ignores wildcards in a Deny, which grants nothing", async () => {
    expect((await violations(wellFormed())).filter((v) => v.policy === policy)).toEqual([]);
  });
});

describe("iam-star-resource-only-without-resource-type", () => {
  const policy = "iam-star-resource-only-without-resource-type";
  const withStatement = (statement: unknown) =>
    changed("reader-policy", (inputs) => ({ ...inputs, policy: document(statement) }));

  it("rejects * for an action that has a resource type", async () => {
    expect(await violations(withStatement(allow(["iot:UpdateThingShadow"], ["*"], inRegion)))).toEqual(
      only(
        policy,
        "reader-policy",
        "statement 0: grants iot:UpdateThingShadow on * although it supports narrower resources",
      ),
    );
  });

  it("rejects * without the stack's region as aws:RequestedRegion", async () => {
    expect(await violations(withStatement(allow(["xray:PutTraceSegments"], ["*"])))).toEqual(
      only(
        policy,
        "reader-policy",
        "statement 0: grants * without the condition aws:RequestedRegion = eu-west-1",
      ),
    );
    const otherRegion = { Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } };
    expect(
      await violations(withStatement(allow(["xray:PutTraceSegments"], ["*"], otherRegion))),
    ).toHaveLength(1);
  });

  it("rejects NotResource", async () => {
    const statement = { Effect: "Allow", Action: ["s3:GetObject"], NotResource: [`${bucketArn}/secret`] };
    expect(await violations(withStatement(statement))).toEqual(
      only(policy, "reader-policy", "statement 0: uses NotResource"),
    );
  });

  it("checks a role's inline policies too", async () => {
    const broken = [
      ...wellFormed(),
      record("aws:iam/role:Role", "inline-role", {
        assumeRolePolicy: document({
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        }),
        inlinePolicies: [{ name: "inline", policy: document(allow(["s3:GetObject"], ["*"], inRegion)) }],
      }),
    ];
    expect(await violations(broken)).toEqual(
      only(
        policy,
        "inline-role",
        "inline policy inline: statement 0: grants s3:GetObject on * although it supports narrower resources",
      ),
    );
  });
});

describe("s3-buckets-encrypted-versioned-private-tls-only", () => {
  const policy = "s3-buckets-encrypted-versioned-private-tls-only";
  it.each([
    [
      "without default encryption",
      "lists-encryption",
      () => null,
      "has no default encryption (BucketServerSideEncryptionConfiguration)",
    ],
    [
      "with versioning suspended",
      "lists-versioning",
      (inputs: Record<string, unknown>) => ({ ...inputs, versioningConfiguration: { status: "Suspended" } }),
      "is not versioned (BucketVersioning with status Enabled)",
    ],
    [
      "allowing public policies",
      "lists-public-access",
      (inputs: Record<string, unknown>) => ({ ...inputs, blockPublicPolicy: false }),
      "does not block public access (BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets)",
    ],
    [
      "accepting plain HTTP",
      "lists-policy",
      (inputs: Record<string, unknown>) => ({
        ...inputs,
        policy: document(allow(["s3:GetObject"], [`${bucketArn}/*`])),
      }),
      "accepts requests without TLS (a bucket policy denying s3:* on it and its objects when aws:SecureTransport is false)",
    ],
    [
      "whose TLS rule leaves out its objects",
      "lists-policy",
      (inputs: Record<string, unknown>) => ({
        ...inputs,
        policy: document({
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: ["s3:*"],
          Resource: [bucketArn],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      }),
      "accepts requests without TLS (a bucket policy denying s3:* on it and its objects when aws:SecureTransport is false)",
    ],
  ])("rejects a bucket %s", async (_case, name, change, problem) => {
    expect(await violations(changed(name, change))).toEqual(only(policy, "lists", `bucket lists ${problem}`));
  });

  it("counts only the configurations of the bucket itself", async () => {
    const elsewhere = changed("lists-versioning", (inputs) => ({ ...inputs, bucket: "another-bucket" }));
    expect(await violations(elsewhere)).toEqual(
      only(policy, "lists", "bucket lists is not versioned (BucketVersioning with status Enabled)"),
    );
  });
});

describe("log-groups-retained", () => {
  it.each([[undefined], [0]])("rejects a log group with retentionInDays %s", async (days) => {
    const broken = changed("reader-logs", (inputs) => ({ ...inputs, retentionInDays: days }));
    expect(await violations(broken)).toEqual(
      only(
        "log-groups-retained",
        "reader-logs",
        `retentionInDays is ${JSON.stringify(days)}: set the days CloudWatch keeps its events`,
      ),
    );
  });
});

describe("lambda-logs-to-stack-log-group", () => {
  it("rejects a function logging to a group the stack does not create", async () => {
    const broken = changed("reader", (inputs) => ({
      ...inputs,
      loggingConfig: { logFormat: "JSON", logGroup: "/elsewhere" },
    }));
    expect(await violations(broken)).toEqual(
      only(
        "lambda-logs-to-stack-log-group",
        "reader",
        "function reader logs to a group this stack does not create: Lambda would create one that keeps its events forever",
      ),
    );
  });

  it("accepts a function without loggingConfig only when the stack creates its default group", async () => {
    const withoutConfig = changed("reader", ({ loggingConfig: _dropped, ...inputs }) => inputs);
    expect((await violations(withoutConfig)).map((v) => v.policy)).toEqual([
      "lambda-logs-to-stack-log-group",
    ]);
    const withDefaultGroup = changed(
      "reader-logs",
      (inputs) => ({ ...inputs, name: "/aws/lambda/reader-1" }),
      withoutConfig,
    );
    expect(await violations(withDefaultGroup)).toEqual([]);
  });
});

describe("lambda-arm64-supported-node", () => {
  const policy = "lambda-arm64-supported-node";
  it.each([["nodejs20.x"], ["python3.13"], [undefined]])("rejects the runtime %s", async (runtime) => {
    const broken = changed("reader", (inputs) => ({ ...inputs, runtime }));
    expect(await violations(broken)).toEqual(
      only(
        policy,
        "reader",
        `runtime is ${JSON.stringify(runtime)}, not one of ${SUPPORTED_NODE_RUNTIMES.join(", ")}`,
      ),
    );
  });

  it.each([[["x86_64"]], [undefined]])("rejects the architectures %j", async (architectures) => {
    const broken = changed("reader", (inputs) => ({ ...inputs, architectures }));
    expect(await violations(broken)).toEqual(
      only(
        policy,
        "reader",
        `architectures are ${JSON.stringify(architectures ?? ["x86_64"])}, not ["arm64"]`,
      ),
    );
  });
});

describe("lambda-own-role", () => {
  const policy = "lambda-own-role";
  it("rejects a function whose role the stack does not create", async () => {
    const broken = changed("reader", (inputs) => ({ ...inputs, role: `arn:aws:iam::${ACCOUNT}:role/admin` }));
    expect(await violations(broken)).toEqual(
      only(policy, "reader", "function reader runs with a role this stack does not create"),
    );
  });

  it("rejects functions sharing a role, with each other or with a state machine", async () => {
    const shared = [...wellFormed(), fn("writer", roleArn("reader-role"), "/aws/lambda/reader-logs-1")];
    expect(await violations(shared)).toEqual([
      { policy, resource: "reader", message: "function reader shares its role reader-role with writer" },
      { policy, resource: "writer", message: "function writer shares its role reader-role with reader" },
    ]);
    const withMachine = changed("flow", (inputs) => ({ ...inputs, roleArn: roleArn("reader-role") }));
    expect(await violations(withMachine)).toEqual(
      only(policy, "reader", "function reader shares its role reader-role with flow"),
    );
  });
});

describe("iam-arns-name-partition-region-account-and-type", () => {
  const policy = "iam-arns-name-partition-region-account-and-type";
  it.each([
    ["arn:aws:s3:::*/*", "names no resource type"],
    ["arn:aws:s3:::*", "names no resource type"],
    ["arn:*:iam::*:role/*", "is not in partition aws"],
    ["arn:aws:iam::*:role/*", "names no account"],
    [`arn:aws:iot:us-east-1:${ACCOUNT}:thing/x`, "is not in region eu-west-1"],
    ["arn:aws:iot:*:*:thing/x", "is not in region eu-west-1"],
    [`arn:aws:iot:${REGION}:${ACCOUNT}:*`, "names no resource type"],
    // A dashboard is global: its ARN has no region, an alarm's has one.
    [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:dashboard/x`, "is not in region (none)"],
    [`arn:aws:cloudwatch::${ACCOUNT}:alarm:x`, "is not in region eu-west-1"],
    ["lists-1", "is not an ARN"],
  ])("rejects %s in a role policy: %s", async (resource, problem) => {
    const broken = changed("reader-policy", (inputs) => ({
      ...inputs,
      policy: document(allow(["s3:GetObject"], [resource])),
    }));
    expect(await violations(broken)).toEqual(
      only(policy, "reader-policy", `statement 0: ${resource}: ${problem}`),
    );
  });

  it("checks managed policies and a role's inline policies too", async () => {
    const wide = document(allow(["iam:PassRole"], ["arn:aws:iam::*:role/*"]));
    const broken = [
      ...wellFormed(),
      record("aws:iam/policy:Policy", "boundary", { policy: wide }),
      record("aws:iam/role:Role", "inline-role", {
        assumeRolePolicy: document({
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        }),
        inlinePolicies: [{ name: "inline", policy: wide }],
      }),
    ];
    expect((await violations(broken)).map((v) => `${v.resource}: ${v.message}`)).toEqual([
      "boundary: statement 0: arn:aws:iam::*:role/*: names no account",
      "inline-role: inline policy inline: statement 0: arn:aws:iam::*:role/*: names no account",
    ]);
  });
});

describe("iam-trusted-principals", () => {
  const policy = "iam-trusted-principals";
  const github = "token.actions.githubusercontent.com";
  const oidc = `arn:aws:iam::${ACCOUNT}:oidc-provider/${github}`;
  const trusting = (statement: Record<string, unknown>) =>
    changed("reader-role", (inputs) => ({
      ...inputs,
      assumeRolePolicy: document({ Effect: "Allow", ...statement }),
    }));
  const webIdentity = (condition: Record<string, unknown>) =>
    trusting({
      Principal: { Federated: oidc },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: condition,
    });
  const audience = { [`${github}:aud`]: "sts.amazonaws.com" };

  it.each([
    [{ Principal: { AWS: "*" }, Action: "sts:AssumeRole" }, "trust policy: statement 0: trusts AWS *"],
    [
      { Principal: "*", Action: "sts:AssumeRole" },
      "trust policy: statement 0: trusts everyone (Principal *)",
    ],
    [
      { Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" },
      "trust policy: statement 0: trusts AWS arn:aws:iam::999999999999:root",
    ],
    [
      { Principal: { Service: "attacker.example.com" }, Action: "sts:AssumeRole" },
      "trust policy: statement 0: trusts attacker.example.com, which is not an AWS service",
    ],
  ])("rejects a role trusting %j", async (statement, message) => {
    expect(await violations(trusting(statement))).toEqual(only(policy, "reader-role", message));
  });

  it("rejects a web identity trust without a pinned audience and subject", async () => {
    expect((await violations(webIdentity({ StringEquals: audience }))).map((v) => v.message)).toEqual([
      `trust policy: statement 0: lets in every ${github} subject (no condition on ${github}:sub)`,
    ]);
    const anyRepository = { StringEquals: audience, StringLike: { [`${github}:sub`]: "repo:example-org/*" } };
    expect((await violations(webIdentity(anyRepository))).map((v) => v.message)).toEqual([
      `trust policy: statement 0: lets in ${github} subjects matching repo:example-org/* (a wildcard before the workflow's ref)`,
    ]);
    const anyAudience = { StringEquals: { [`${github}:sub`]: "repo:example-org/fleet:environment:dev" } };
    expect((await violations(webIdentity(anyAudience))).map((v) => v.message)).toEqual([
      `trust policy: statement 0: lets in ${github} tokens for any audience (no StringEquals on ${github}:aud)`,
    ]);
  });

  it("accepts a web identity trust pinned to one workflow, at any ref", async () => {
    const pinned = {
      StringEquals: audience,
      StringLike: {
        [`${github}:sub`]:
          "repo:example-org/fleet:environment:preview-dev:job_workflow_ref:example-org/fleet/.github/workflows/preview.yml@*",
      },
    };
    expect(await violations(webIdentity(pinned))).toEqual([]);
  });

  it("rejects a bucket or key policy allowing everyone", async () => {
    const open = document({
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["s3:GetObject"],
      Resource: [`${bucketArn}/*`],
    });
    const broken = [
      ...changed("lists-policy", (inputs) => ({ ...inputs, policy: open })).filter(
        (r) => r.name !== "lists-policy",
      ),
      record("aws:s3/bucketPolicy:BucketPolicy", "lists-policy", {
        bucket: "lists-1",
        policy: document(
          JSON.parse(wellFormed().find((r) => r.name === "lists-policy")?.inputs.policy as string)
            .Statement[0],
          JSON.parse(open).Statement[0],
        ),
      }),
    ];
    expect(await violations(broken)).toEqual(
      only(policy, "lists-policy", "statement 1: allows everyone (Principal *)"),
    );
  });
});

describe("iam-no-managed-policy-attachments", () => {
  const policy = "iam-no-managed-policy-attachments";
  const admin = "arn:aws:iam::aws:policy/AdministratorAccess";

  it.each([
    ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "reader-role", policyArn: admin }],
    ["aws:iam/policyAttachment:PolicyAttachment", { roles: ["reader-role"], policyArn: admin }],
    [
      "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
      { roleName: "reader-role", policyArns: [admin] },
    ],
  ])("rejects %s of AdministratorAccess", async (type, inputs) => {
    expect(await violations([...wellFormed(), record(type, "admin", inputs)])).toEqual(
      only(
        policy,
        "admin",
        `attaches the managed policy ${admin}: grant what is needed in an inline policy the pack can read`,
      ),
    );
  });

  it("rejects a role with managedPolicyArns", async () => {
    const broken = changed("reader-role", (inputs) => ({ ...inputs, managedPolicyArns: [admin] }));
    expect((await violations(broken)).map((v) => [v.policy, v.resource])).toEqual([[policy, "reader-role"]]);
  });
});

describe("in a preview of a new stack, where what AWS computes is not known yet", () => {
  /** Each record as the engine shows it then: computed values unknown, and every input built from one too. */
  const firstPreview = (records = wellFormed()): PolicyRecord[] => {
    const computed = records.flatMap((r) =>
      Object.entries(r.outputs)
        .filter(([key]) => !(key in r.inputs))
        .map(([, value]) => ({ name: r.name, value: String(value) })),
    );
    return records.map((r) => {
      const propertyDependencies: Record<string, string[]> = {};
      const inputs = Object.fromEntries(
        Object.entries(r.inputs).map(([key, value]) => {
          const text = JSON.stringify(value);
          const from = computed.filter((c) => c.name !== r.name && text.includes(c.value)).map((c) => c.name);
          if (from.length === 0) return [key, value];
          propertyDependencies[key] = [...new Set(from)];
          return [key, UNKNOWN];
        }),
      );
      const outputs = {
        ...inputs,
        ...Object.fromEntries(
          Object.keys(r.outputs)
            .filter((k) => !(k in r.inputs))
            .map((k) => [k, UNKNOWN]),
        ),
      };
      return { ...r, inputs, outputs, propertyDependencies };
    });
  };
  const STACK_POLICIES = FLEET_POLICIES.filter((p) => "validateStack" in p).map((p) => p.name);

  it("the stack policies still run, and pass a well-formed stack", async () => {
    const found = await violations(firstPreview());
    expect(found.filter((v) => STACK_POLICIES.includes(v.policy))).toEqual([]);
    // Resource policies reading a document built from an unknown ARN cannot run yet (advisory), as in the engine.
    expect(found.filter((v) => !v.advisory)).toEqual([]);
    expect([...new Set(found.map((v) => v.resource))].sort()).toEqual(["lists-policy", "reader-policy"]);
  });

  it("and reject what is known to be wrong", async () => {
    const suspended = changed("lists-versioning", (inputs) => ({
      ...inputs,
      versioningConfiguration: { status: "Suspended" },
    }));
    const found = await violations(firstPreview(suspended));
    expect(found.filter((v) => STACK_POLICIES.includes(v.policy))).toEqual(
      only(
        "s3-buckets-encrypted-versioned-private-tls-only",
        "lists",
        "bucket lists is not versioned (BucketVersioning with status Enabled)",
      ),
    );
  });
});
