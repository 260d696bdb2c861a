// AWS SDK v3 clients, one instance per container and flavour. Region, credentials and endpoint come from the
// standard AWS environment variables (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), so the same
// code runs against AWS and the local emulator.
import { DescribeEndpointCommand, IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";

export interface ClientOptions {
  /**
   * A client for work run by `pace()`: one attempt per call, because the pacer owns retries and must see
   * every throttle to slow down. Other clients retry with backoff in adaptive mode.
   */
  paced?: boolean;
}

// SDK client constructors each take their own service-specific config type; all of them take the retry settings.
type ClientConstructor<C> = new (config: (typeof RETRY_CONFIG)[keyof typeof RETRY_CONFIG]) => C;

const instances = new Map<ClientConstructor<unknown>, Map<boolean, unknown>>();

export const RETRY_CONFIG = {
  standard: { maxAttempts: 6, retryMode: "adaptive" },
  paced: { maxAttempts: 1, retryMode: "standard" },
} as const;

/** The container's client of this class (`awsClient(S3Client)`), created on first use. */
export function awsClient<C>(Client: ClientConstructor<C>, options: ClientOptions = {}): C {
  const paced = options.paced ?? false;
  let byFlavour = instances.get(Client);
  if (!byFlavour) {
    byFlavour = new Map();
    instances.set(Client, byFlavour);
  }
  let client = byFlavour.get(paced) as C | undefined;
  if (!client) {
    client = new Client(paced ? RETRY_CONFIG.paced : RETRY_CONFIG.standard);
    byFlavour.set(paced, client);
  }
  return client;
}

const dataEndpoints = new Map<boolean, Promise<IoTDataPlaneClient>>();

/**
 * The IoT data-plane (device shadow) client. Its endpoint is per account: taken from IOT_DATA_ENDPOINT, else
 * from the standard endpoint variables, else discovered once with DescribeEndpoint(iot:Data-ATS) and cached.
 */
export function iotDataClient(options: ClientOptions = {}): Promise<IoTDataPlaneClient> {
  const paced = options.paced ?? false;
  let pending = dataEndpoints.get(paced);
  if (!pending) {
    pending = createIotDataClient(paced);
    dataEndpoints.set(paced, pending);
    pending.catch(() => dataEndpoints.delete(paced));
  }
  return pending;
}

async function createIotDataClient(paced: boolean): Promise<IoTDataPlaneClient> {
  const retry = paced ? RETRY_CONFIG.paced : RETRY_CONFIG.standard;
  const endpoint = await dataPlaneEndpoint();
  return new IoTDataPlaneClient(endpoint ? { ...retry, endpoint } : retry);
}

async function dataPlaneEndpoint(): Promise<string | undefined> {
  const configured = process.env.IOT_DATA_ENDPOINT?.trim();
  if (configured) return configured.includes("://") ? configured : `https://${configured}`;
  if (process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE || process.env.AWS_ENDPOINT_URL) return undefined;
  const { endpointAddress } = await awsClient(IoTClient).send(
    new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" }),
  );
  if (!endpointAddress) throw new Error("DescribeEndpoint(iot:Data-ATS) returned no endpointAddress");
  return `https://${endpointAddress}`;
}

/** Forgets every cached client (tests that change the environment between cases). */
export function resetClients(): void {
  instances.clear();
  dataEndpoints.clear();
}
