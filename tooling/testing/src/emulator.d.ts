export interface Emulator {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** AWS_ENDPOINT_URL, AWS_REGION and dummy credentials for the SDK. */
  env: Record<string, string>;
  /** The moto process, when this call started one. */
  pid?: number;
  stop(): Promise<void>;
  reset(): Promise<void>;
}
export const EMULATOR_ENV: Record<string, string>;
export function startEmulator(options?: {
  timeoutMs?: number;
  detached?: boolean;
  logFile?: string;
}): Promise<Emulator>;
export function isServing(endpoint: string): Promise<boolean>;
