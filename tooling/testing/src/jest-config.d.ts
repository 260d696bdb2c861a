export function jestConfig(options: {
  rootDir: string;
  integrationTimeoutMs?: number;
}): Record<string, unknown>;
