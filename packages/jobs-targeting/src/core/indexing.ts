// Fleet indexing: switch on what the targeting query needs, keeping every other setting. UpdateIndexing-
// Configuration turns off any field left out and replaces custom fields wholesale, so the current configuration
// is read and sent back whole, changed only where needed (the original overwrote it).
import {
  DescribeIndexCommand,
  GetIndexingConfigurationCommand,
  type IoTClient,
  type ThingGroupIndexingConfiguration,
  type ThingIndexingConfiguration,
  UpdateIndexingConfigurationCommand,
} from "@aws-sdk/client-iot";
import { type IndexingNeeds, indexingNeeds } from "./query";

export interface DesiredIndexing {
  configuration: ThingIndexingConfiguration;
  /** One line per setting changed; empty when the current configuration already serves the query. */
  changes: string[];
}

/** The thing-indexing configuration that serves `needs`, built from the current one (managed fields dropped). */
export function desiredThingIndexing(
  current: ThingIndexingConfiguration | undefined,
  needs: IndexingNeeds,
): DesiredIndexing {
  const { managedFields: _managed, ...kept } = current ?? { thingIndexingMode: "OFF" };
  const configuration: ThingIndexingConfiguration = {
    ...kept,
    thingIndexingMode: kept.thingIndexingMode ?? "OFF",
  };
  const changes: string[] = [];
  const set = <K extends keyof ThingIndexingConfiguration>(key: K, value: ThingIndexingConfiguration[K]) => {
    changes.push(`${key}: ${String(configuration[key] ?? "unset")} -> ${String(value)}`);
    configuration[key] = value;
  };

  if (configuration.thingIndexingMode !== "REGISTRY_AND_SHADOW")
    set("thingIndexingMode", "REGISTRY_AND_SHADOW");
  if (needs.connectivity && (configuration.thingConnectivityIndexingMode ?? "OFF") === "OFF") {
    set("thingConnectivityIndexingMode", "STATUS");
  }
  if (needs.deviceDefender && (configuration.deviceDefenderIndexingMode ?? "OFF") === "OFF") {
    set("deviceDefenderIndexingMode", "VIOLATIONS");
  }
  if (needs.namedShadows.length > 0) {
    if (configuration.namedShadowIndexingMode !== "ON") set("namedShadowIndexingMode", "ON");
    const indexed = configuration.filter?.namedShadowNames ?? [];
    const missing = needs.namedShadows.filter((name) => !indexed.includes(name));
    if (missing.length > 0)
      set("filter", { ...configuration.filter, namedShadowNames: [...indexed, ...missing] });
  }
  return { configuration, changes };
}

export interface EnsureIndexingResult {
  changed: boolean;
  changes: string[];
  thingIndexingMode: string;
}

export async function ensureIndexing(
  iot: IoTClient,
  input: { fleetIndexQuery: string },
): Promise<EnsureIndexingResult> {
  const current = await iot.send(new GetIndexingConfigurationCommand({}));
  const desired = desiredThingIndexing(
    current.thingIndexingConfiguration,
    indexingNeeds(input.fleetIndexQuery),
  );
  const thingIndexingMode = desired.configuration.thingIndexingMode as string;
  if (desired.changes.length === 0) return { changed: false, changes: [], thingIndexingMode };
  const groups = current.thingGroupIndexingConfiguration;
  await iot.send(
    new UpdateIndexingConfigurationCommand({
      thingIndexingConfiguration: desired.configuration,
      ...(groups ? { thingGroupIndexingConfiguration: withoutManagedFields(groups) } : {}),
    }),
  );
  return { changed: true, changes: desired.changes, thingIndexingMode };
}

function withoutManagedFields(groups: ThingGroupIndexingConfiguration): ThingGroupIndexingConfiguration {
  const { managedFields: _managed, ...kept } = groups;
  return kept;
}

export interface IndexStatus {
  indexStatus: string;
  /** ACTIVE: queryable with shadow data (REBUILDING is queryable, but its shadow data may be incomplete). */
  ready: boolean;
}

export async function indexStatus(iot: IoTClient): Promise<IndexStatus> {
  const index = await iot.send(new DescribeIndexCommand({ indexName: "AWS_Things" }));
  const status = index.indexStatus ?? "UNKNOWN";
  return { indexStatus: status, ready: status === "ACTIVE" };
}
