// Queues a deployment for the deployer: everything plan-deployment will check is checked now (the config, its
// release and firmware version, role, merged document) plus the targets — the group exists, the named things
// (at most 100: more are refused, to be given as a list) exist, a thing list in the firmware bucket is readable
// and every line is a thing name — so a submission that could not deploy is refused at once, naming the field,
// with nothing queued. The entry's id is new for every
// submission and its put is conditional: two submissions in the same millisecond are two entries.
import { DescribeThingGroupCommand } from "@aws-sdk/client-iot";
import {
  isNotFound,
  NotFoundError,
  readS3Lines,
  THING_NAME,
  thingNameOf,
  unlessNotFound,
  ValidationError,
} from "@fleet/shared-aws";
import { type DeploymentConfig, MAX_DIRECT_TARGETS } from "./deployment-config";
import { requirePrefix } from "./names";
import { checkDeployment, type PlanDeps, thingArns } from "./plan";
import { newDeploymentId, putPending, type QueueDeps, STATUS } from "./schedule-queue";

/** Step Functions takes an execution input of at most 256 KiB; the queued config is that input. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Lines of a thing list named in a refusal. */
const NAMED_LINES = 10;
/** A fresh id is drawn this often before a put that keeps finding its id taken is given up. */
const ID_ATTEMPTS = 3;

export interface AddScheduleDeps extends PlanDeps, QueueDeps {
  now?: () => Date;
}

export interface Scheduled {
  deploymentId: string;
  status: typeof STATUS.pending;
  submittedAt: string;
  release: string;
  jobId: string;
}

export async function addSchedule(deps: AddScheduleDeps, input: unknown): Promise<Scheduled> {
  const { config } = await checkDeployment(deps, input);
  const body = JSON.stringify(config);
  if (Buffer.byteLength(body) > MAX_CONFIG_BYTES) {
    throw new ValidationError([
      `config: ${Buffer.byteLength(body)} bytes, more than the ${MAX_CONFIG_BYTES} a deploy execution takes; put the things in a list (targets.thingListKey)`,
    ]);
  }
  await checkTargets(deps, config);
  for (let attempt = 1; attempt <= ID_ATTEMPTS; attempt += 1) {
    const submittedAt = (deps.now ?? (() => new Date()))();
    const entry = {
      status: STATUS.pending,
      deploymentId: newDeploymentId(submittedAt),
      submittedAt: submittedAt.toISOString(),
      release: config.release,
      jobId: config.jobId,
      config: body,
      attempts: 0,
    };
    if ((await putPending(deps, entry)) === "created") {
      const { status, deploymentId, release, jobId } = entry;
      return { deploymentId, status, submittedAt: entry.submittedAt, release, jobId };
    }
  }
  throw new Error(`no free deployment id after ${ID_ATTEMPTS} random draws`);
}

/** The targets must be there when the deployer starts the deployment, as plan-deployment requires them. */
async function checkTargets(deps: AddScheduleDeps, config: DeploymentConfig): Promise<void> {
  const { targets } = config;
  if ("thingGroup" in targets) {
    requirePrefix(deps.groupNamePrefix, { "targets.thingGroup": targets.thingGroup });
    const group = await unlessNotFound(() =>
      deps.iot.send(new DescribeThingGroupCommand({ thingGroupName: targets.thingGroup })),
    );
    if (!group) throw new NotFoundError(`targets.thingGroup: ${targets.thingGroup} does not exist`);
  } else if ("thingListKey" in targets) {
    await checkThingList(deps, targets.thingListKey);
  } else {
    // Each named thing is checked (DescribeThing); more than a job's direct targets would outlast this
    // handler's time, and unchecked they would fail only once the queued deployment fills its group.
    const names = [...new Set(targets.things.map(thingNameOf))];
    if (names.length > MAX_DIRECT_TARGETS) {
      throw new ValidationError([
        `targets.things: ${names.length} things, more than the ${MAX_DIRECT_TARGETS} add-schedule checks by name; put them in a list in the firmware bucket and name it (targets.thingListKey; ./run ota convert writes one)`,
      ]);
    }
    await thingArns(deps.iot, names);
  }
}

/** The list the target group will be filled from: there, and every non-blank line a thing name. */
async function checkThingList(deps: AddScheduleDeps, listKey: string): Promise<void> {
  const field = "targets.thingListKey";
  let names = 0;
  const bad: string[] = [];
  let badLines = 0;
  try {
    for await (const line of readS3Lines(deps.s3, { bucket: deps.bucket, key: listKey })) {
      if (THING_NAME.test(line.text)) names += 1;
      else if (++badLines <= NAMED_LINES)
        bad.push(`line ${line.number} ${JSON.stringify(line.text.slice(0, 80))}`);
    }
  } catch (error) {
    if (isNotFound(error)) {
      throw new NotFoundError(`${field}: s3://${deps.bucket}/${listKey} does not exist`, { cause: error });
    }
    throw error;
  }
  const more = badLines > bad.length ? ` and ${badLines - bad.length} more` : "";
  if (badLines > 0)
    throw new ValidationError([
      `${field}: ${badLines} line(s) are not thing names: ${bad.join(", ")}${more}`,
    ]);
  if (names === 0) throw new ValidationError([`${field}: s3://${deps.bucket}/${listKey} names no thing`]);
}
