// The account's applied quota for an API's rate, read from Service Quotas once per container, so that a step
// paces at the quota when the configured rate is higher. Where Service Quotas has no applied value (it publishes
// none for the device shadow APIs, and the local emulator implements none), or the role may not read it, the
// configured rate stands and the reason is logged.
import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { awsClient } from "../clients";
import { errorMessage, errorName } from "../errors";
import type { Logger } from "./tally";

export interface QuotaRef {
  serviceCode: string;
  quotaCode: string;
  /** The quota's name in Service Quotas, for the log. */
  name: string;
}

/** AWS IoT Core's rate quotas in Service Quotas for the registry APIs the paced steps call (calls a second). */
export const IOT_QUOTAS = {
  CreateThing: { serviceCode: "iotcore", quotaCode: "L-64CBACAC", name: "CreateThing API TPS" },
  DescribeThing: { serviceCode: "iotcore", quotaCode: "L-0EF0F5EE", name: "DescribeThing API TPS" },
  DeleteThing: { serviceCode: "iotcore", quotaCode: "L-889800F7", name: "DeleteThing API TPS" },
  AddThingToThingGroup: {
    serviceCode: "iotcore",
    quotaCode: "L-2904683A",
    name: "AddThingToThingGroup API TPS",
  },
} as const satisfies Record<string, QuotaRef>;

export type QuotaReading = { value: number } | { value: undefined; reason: string };
export type QuotaLookup = (quota: QuotaRef) => Promise<QuotaReading>;

let containerLookup: QuotaLookup | undefined;

/** The container's lookup, with its Service Quotas client: a handler passes it to the steps it runs. */
export function appliedQuotas(): QuotaLookup {
  containerLookup ??= serviceQuotaLookup(awsClient(ServiceQuotasClient));
  return containerLookup;
}

/** Reads applied quotas with `client`, each once for the life of the lookup. */
export function serviceQuotaLookup(client: ServiceQuotasClient): QuotaLookup {
  const readings = new Map<string, Promise<QuotaReading>>();
  return (quota) => {
    const key = `${quota.serviceCode}/${quota.quotaCode}`;
    let reading = readings.get(key);
    if (!reading) {
      reading = readQuota(client, quota);
      readings.set(key, reading);
    }
    return reading;
  };
}

async function readQuota(client: ServiceQuotasClient, quota: QuotaRef): Promise<QuotaReading> {
  try {
    const { Quota } = await client.send(
      new GetServiceQuotaCommand({ ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode }),
    );
    const value = Quota?.Value;
    if (typeof value === "number" && value > 0) return { value };
    return { value: undefined, reason: "Service Quotas returned no value" };
  } catch (error) {
    return {
      value: undefined,
      reason: `GetServiceQuota failed: ${errorName(error)}: ${errorMessage(error)}`,
    };
  }
}

/**
 * The rate to pace at: the configured one, or the lowest applied quota among `quotas` when that is lower (one
 * item may call several APIs). Each quota that cannot be read is logged with its reason.
 */
export async function boundedRate(
  configured: number,
  quotas: readonly QuotaRef[],
  lookup: QuotaLookup | undefined,
  logger: Logger,
): Promise<number> {
  if (!lookup || quotas.length === 0) return configured;
  let rate = configured;
  for (const quota of quotas) {
    const reading = await lookup(quota);
    const named = { quota: `${quota.serviceCode}/${quota.quotaCode} (${quota.name})` };
    if (reading.value === undefined) {
      logger.info("applied quota unknown: pacing at the configured rate", {
        ...named,
        reason: reading.reason,
        configuredRate: configured,
      });
    } else if (reading.value < rate) {
      logger.warn("the account's applied quota is below the configured rate: pacing at the quota", {
        ...named,
        appliedQuota: reading.value,
        configuredRate: configured,
      });
      rate = reading.value;
    }
  }
  return rate;
}
