// ./run emulator start|stop|status — the local AWS that `./run invoke` uses.
import { ensureLocalEmulator, localEmulatorStatus, stopLocalEmulator } from "./background-emulator";

const command = process.argv[2] ?? "status";
if (command === "start") {
  const endpoint = await ensureLocalEmulator((line) => console.error(line));
  console.log(`local AWS emulator: ${endpoint}`);
} else if (command === "stop") {
  console.log(
    (await stopLocalEmulator()) ? "stopped the local AWS emulator" : "no local AWS emulator was running",
  );
} else if (command === "status") {
  console.log(`local AWS emulator: ${await localEmulatorStatus()}`);
} else {
  console.error(`usage: ./run emulator start|stop|status (got "${command}")`);
  process.exitCode = 2;
}
