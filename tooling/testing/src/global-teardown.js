export default async function globalTeardown() {
  await globalThis.__FLEET_EMULATOR__?.stop();
}
