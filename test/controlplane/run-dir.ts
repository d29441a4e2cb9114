// Where local control planes keep their certificates, data, logs and PIDs.
import { homedir } from "node:os";
import { join } from "node:path";

export const DEFAULT_RUN_DIR = join(process.env.ECS_OPERATOR_CACHE ?? join(homedir(), ".cache", "ecs-operator"), "run");
