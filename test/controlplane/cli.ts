// Command line for the local control plane: `build` the binaries, `up` (start and leave running), `down`
// (stop everything recorded), `status`. Run with `npm run controlplane -- up` (Node >= 22.19 runs this
// TypeScript file directly).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { COMPONENTS, buildBinaries, isAlive, readState, startControlPlane, stopControlPlane } from "./control-plane.ts";
import { DEFAULT_RUN_DIR } from "./run-dir.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: "string", default: join(DEFAULT_RUN_DIR, "local") } },
});
const command = positionals[0] ?? "help";
const log = (line: string): void => void process.stderr.write(`[controlplane] ${line}\n`);

switch (command) {
  case "build":
    process.stdout.write(`${await buildBinaries(log)}\n`);
    break;
  case "up": {
    const binDir = await buildBinaries(log);
    const state = await startControlPlane({ dir: values.dir, binDir, log });
    process.stdout.write(`export KUBECONFIG=${state.kubeconfig}\n`);
    log(`stop it with: npm run controlplane -- down --dir ${values.dir}`);
    break;
  }
  case "down":
    await stopControlPlane(values.dir);
    log("stopped");
    break;
  case "status": {
    const state = await readState(values.dir);
    if (!state) {
      log(`no control plane recorded in ${values.dir}`);
      process.exitCode = 1;
      break;
    }
    for (const c of COMPONENTS) {
      const pid = state.pids[c];
      process.stdout.write(`${c.padEnd(24)} ${pid === undefined ? "-" : `${pid} ${isAlive(pid) ? "running" : "gone"}`}\n`);
    }
    process.stdout.write(`KUBECONFIG=${state.kubeconfig}\n`);
    break;
  }
  default:
    process.stderr.write("usage: cli.ts build | up [--dir DIR] | down [--dir DIR] | status [--dir DIR]\n");
    process.exitCode = command === "help" ? 0 : 2;
}
