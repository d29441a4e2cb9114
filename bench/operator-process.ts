// The operator as the bench runs it: its own process (so that its CPU and memory are its own), wired as
// `ecs-operator run` wires it (registerControllers on one Manager), with the resync period as a flag so that the idle
// phase can watch a few resyncs in a short time. Prints nothing; /metrics and /readyz are on --metrics-port.
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { registerControllers } from "../src/controllers/register.ts";
import { createLogger } from "../src/runtime/logger.ts";
import { Manager } from "../src/runtime/manager.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    namespace: { type: "string" },
    "metrics-port": { type: "string" },
    "resync-seconds": { type: "string", default: "600" },
  },
});
if (values.kubeconfig === undefined || values["metrics-port"] === undefined) throw new Error("operator-process: --kubeconfig and --metrics-port are required");
const kc = new KubeConfig();
kc.loadFromFile(values.kubeconfig);
const mgr = new Manager({
  kubeConfig: kc,
  identity: `bench-${process.pid}`,
  logger: createLogger({ level: "warn" }),
  http: { host: "127.0.0.1", port: Number(values["metrics-port"]) },
  resyncMs: Number(values["resync-seconds"]) * 1000,
});
registerControllers(mgr, values.namespace === undefined ? {} : { namespace: values.namespace });
mgr.handleSignals();
await mgr.start();
