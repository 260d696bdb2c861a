// The manifest infra and the local apps read: the buckets the pipeline delivers to and the transformation.
// Firehose, the IoT rule, the Glue table and the device policy refer to them and to the function, so infra's
// TelemetryPipeline component creates those from what this manifest deploys.
import { handlerEntries, type PackageManifest } from "@fleet/manifest";
import { handlerEnv } from "./config";

const handler = handlerEntries(handlerEnv);

export const manifest: PackageManifest = {
  name: "telemetry-parser",
  packageDir: "packages/telemetry-parser",
  resources: {
    data: {
      kind: "bucket",
      description:
        "Clean records under data/<partition keys>/, failed records under errors/ (Firehose's target)",
    },
    raw: {
      kind: "bucket",
      description: "Every batch as it arrived, before the transformation (Firehose's backup)",
    },
  },
  handlers: Object.fromEntries([
    // Firehose invokes it synchronously with up to 6 MB and waits at most 5 minutes; the batch lives in memory.
    handler(
      "transform",
      "Firehose transformation: device messages → validated, normalised, partitioned records",
      { timeoutSeconds: 120, memoryMb: 512 },
    ),
  ]),
  stateMachines: {},
};
