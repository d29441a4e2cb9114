// How many integration files run at a time: one per control plane the global setup starts (INTEGRATION_CONTROL_PLANES,
// default 3), or one when KUBECONFIG names a cluster (files share its nodes, so they take turns as they always did).
export function integrationControlPlanes(env: NodeJS.ProcessEnv = process.env): number {
  if (env.KUBECONFIG) return 1;
  const raw = env.INTEGRATION_CONTROL_PLANES ?? "3";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`INTEGRATION_CONTROL_PLANES=${raw}: expected a whole number from 1 to 8`);
  return n;
}
