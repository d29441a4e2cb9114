// Writes crds/<plural>.ecs.operator.dev.yaml from the schemas in src/api (`npm run generate`). With --check it
// writes nothing and exits 1 when crds/ differs from what the source generates.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { API_GROUP } from "../src/api/common.ts";
import { renderCrdFiles } from "../src/api/crds.ts";

const dir = fileURLToPath(new URL("../crds/", import.meta.url));
const check = process.argv.includes("--check");
const files = renderCrdFiles();

await mkdir(dir, { recursive: true });
const existing = (await readdir(dir)).filter((f) => f.endsWith(`.${API_GROUP}.yaml`));
const stale = existing.filter((f) => !files.has(f));
const changed: string[] = [];
for (const [name, text] of files) {
  const current = await readFile(join(dir, name), "utf8").catch(() => undefined);
  if (current !== text) changed.push(name);
}

if (check) {
  for (const f of [...changed, ...stale]) process.stderr.write(`crds/${f} is out of date; run npm run generate\n`);
  process.exit(changed.length + stale.length > 0 ? 1 : 0);
}
for (const name of changed) await writeFile(join(dir, name), files.get(name) ?? "");
for (const name of stale) await rm(join(dir, name));
process.stdout.write(`crds/: ${files.size} CRDs, ${changed.length} written, ${stale.length} removed\n`);
