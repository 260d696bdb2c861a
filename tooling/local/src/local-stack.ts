// The resources the handlers need, created in the local emulator and named as infra names them (stack
// "local"), and the environment each handler would get from infra.
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { type PackageManifest, referencedHandlers, substituteFunctionArns } from "@fleet/bundle";
import { awsClient } from "@fleet/shared-aws";

export const LOCAL_ACCOUNT = "000000000000";
const region = () => process.env.AWS_REGION ?? "us-east-1";

export const localNames = {
  listsBucket: "jobs-targeting-lists-local",
  stateMachine: (manifest: PackageManifest, name: string) => `${manifest.name}-${name}-local`,
  functionArn: (manifest: PackageManifest, handler: string) =>
    `arn:aws:lambda:${region()}:${LOCAL_ACCOUNT}:function:${manifest.name}-${handler}-local`,
};

/** Creates (or finds) the lists bucket and the package's state machines; returns the handlers' environment. */
export async function provisionLocalStack(manifest: PackageManifest): Promise<Record<string, string>> {
  const s3 = awsClient(S3Client);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: localNames.listsBucket }));
  } catch (error) {
    if ((error as Error).name !== "BucketAlreadyOwnedByYou") throw error;
  }
  const env: Record<string, string> = { LISTS_BUCKET: localNames.listsBucket };
  for (const [name, spec] of Object.entries(manifest.stateMachines)) {
    env.STATE_MACHINE_ARN = await ensureStateMachine(localNames.stateMachine(manifest, name), () =>
      JSON.stringify(
        substituteFunctionArns(
          spec.definition,
          Object.fromEntries(
            referencedHandlers(spec.definition).map((h) => [h, localNames.functionArn(manifest, h)]),
          ),
        ),
      ),
    );
  }
  return env;
}

async function ensureStateMachine(name: string, definition: () => string): Promise<string> {
  const sfn = awsClient(SFNClient);
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const existing = stateMachines.find((machine) => machine.name === name);
  if (existing?.stateMachineArn) return existing.stateMachineArn;
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: definition(),
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`,
    }),
  );
  return created.stateMachineArn as string;
}
