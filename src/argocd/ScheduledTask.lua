-- What the Argo CD health check of ScheduledTask adds to src/argocd/health.lua (rendered by `npm run generate`).
-- @after-ready
if obj.spec ~= nil and obj.spec.state == "DISABLED" then
  return { status = "Suspended", message = "The schedule is DISABLED" }
end
