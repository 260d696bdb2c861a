// The device registry as this package uses it: a thing's attributes as AWS IoT has them, and changes to some of
// them that leave every other attribute alone. A thing that no longer exists is reported, never re-created.
import { DescribeThingCommand, type IoTClient, UpdateThingCommand } from "@aws-sdk/client-iot";
import { isNotFound, NotFoundError, unlessNotFound } from "@fleet/shared-aws";

/** The thing's attributes, or undefined when it does not exist. */
export async function registryAttributes(
  iot: IoTClient,
  thingName: string,
): Promise<Record<string, string> | undefined> {
  const thing = await unlessNotFound(() => iot.send(new DescribeThingCommand({ thingName })));
  return thing ? { ...thing.attributes } : undefined;
}

/** Sets the given attributes (an empty value removes one) and keeps the others (merge). */
export async function setAttributes(
  iot: IoTClient,
  thingName: string,
  attributes: Record<string, string>,
): Promise<void> {
  try {
    await iot.send(new UpdateThingCommand({ thingName, attributePayload: { attributes, merge: true } }));
  } catch (error) {
    if (isNotFound(error)) {
      throw new NotFoundError(`Device ${thingName} no longer exists in the registry`, {
        cause: error,
        details: { deviceId: thingName },
      });
    }
    throw error;
  }
}
