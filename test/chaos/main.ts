// `npm run chaos -- --rounds 100`: starts a control plane of its own (the pinned binaries of test/controlplane),
// installs the CRDs, runs the chaos rounds against two replicas of the built operator (dist/), runs the
// generated-input tests at 10,000 cases each, prints the figures table and writes it to --out. Exit 1 on any
// violation or fuzz failure. Not part of npm test (chaos-smoke.test.ts is).
import { spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildBinaries, startControlPlane, stopControlPlane } from "../controlplane/control-plane.ts";
import { DEFAULT_RUN_DIR } from "../controlplane/run-dir.ts";
import { installCrds } from "../integration/support/crds.ts";
import { figuresTable, runChaos } from "./chaos-run.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    seed: { type: "string" },
    out: { type: "string", default: "chaos-report.md" },
    "fuzz-runs": { type: "string", default: "10000" },
    "settle-seconds": { type: "string", default: "300" },
  },
});
const rounds = Number(values.rounds);
const fuzzRuns = Number(values["fuzz-runs"]);
if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`--rounds: "${values.rounds}" is not a whole number of rounds (1 or more)`);
if (!Number.isSafeInteger(fuzzRuns) || fuzzRuns < 0) throw new Error(`--fuzz-runs: "${values["fuzz-runs"]}" is not a whole number (0 turns the fuzz tests off)`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const log = (line: string): void => void process.stderr.write(`[chaos] ${line}\n`);

const dir = join(DEFAULT_RUN_DIR, `chaos-${process.pid}`);
const binDir = await buildBinaries(log);
const state = await startControlPlane({ dir, binDir, log });
let failed = false;
try {
  await installCrds(state.kubeconfig);
  const logDir = join(dir, "replicas");
  await mkdir(logDir, { recursive: true });
  log(`seed ${seed}, ${rounds} rounds; replica logs in ${logDir}`);
  const figures = await runChaos({ kubeconfig: state.kubeconfig, controlPlane: state, rounds, seed, namespace: "chaos", logDir, log, settleMs: Number(values["settle-seconds"]) * 1000 });
  const extra: [string, string][] = [];
  if (fuzzRuns > 0) {
    log(`generated-input tests, ${fuzzRuns} cases per property`);
    const fuzz = spawnSync("npx", ["vitest", "run", "--project", "unit", "test/unit/fuzz"], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, FUZZ_RUNS: String(fuzzRuns), FUZZ_SEED: "random" } });
    extra.push([`generated-input tests (${fuzzRuns} cases per property)`, fuzz.status === 0 ? "passed" : "FAILED"]);
    failed ||= fuzz.status !== 0;
  }
  const table = figuresTable(figures, extra);
  process.stdout.write(`${table}\n`);
  await writeFile(values.out, `# chaos run ${new Date().toISOString()}\n\n${table}\n`);
  log(`figures written to ${values.out}`);
  failed ||= figures.violations.length > 0;
} finally {
  await stopControlPlane(dir);
  await rm(join(dir, "etcd"), { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
