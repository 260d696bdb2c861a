// The schedule queue's clock: an EventBridge Scheduler schedule invoking the deployer at the stack's rate, as
// its own role, which may invoke that one function and nothing else, and which only this account's schedules of
// the stack may assume (the confused-deputy keys Scheduler sends).
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { policyDocument, regionalArn, serviceTrustPolicy } from "../policies/document";
import { schedulerRoleStatements } from "../policies/ota-deploy";
import type { NodeLambda } from "./node-lambda";

export interface DeployScheduleArgs {
  /** The schedule's name, also the prefix its role's trust admits. */
  name: string;
  /** EventBridge Scheduler `rate(...)`. */
  rate: string;
  deployer: NodeLambda;
}

export function deploySchedule(args: DeployScheduleArgs, parent: pulumi.Resource): aws.scheduler.Schedule {
  const scope = awsScope(parent);
  const role = new aws.iam.Role(
    `${args.name}-role`,
    {
      description: "Assumed by EventBridge Scheduler to run the ota-deploy deployer",
      assumeRolePolicy: scope.apply((s) =>
        JSON.stringify(
          serviceTrustPolicy("scheduler.amazonaws.com", {
            StringEquals: { "aws:SourceAccount": s.accountId },
            ArnLike: { "aws:SourceArn": regionalArn(s, "scheduler", `schedule/default/${args.name}`) },
          }),
        ),
      ),
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${args.name}-invoke`,
    {
      role: role.id,
      policy: args.deployer.arn.apply((arn) => JSON.stringify(policyDocument(schedulerRoleStatements(arn)))),
    },
    { parent },
  );
  return new aws.scheduler.Schedule(
    args.name,
    {
      name: args.name,
      description: "Runs the ota-deploy deployer: claims the oldest pending deployment and starts it",
      scheduleExpression: args.rate,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: args.deployer.arn,
        roleArn: role.arn,
        input: "{}",
        // A missed run is made up by the next one: the deployer's work waits in the table, not in the event.
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 300 },
      },
    },
    { parent },
  );
}
