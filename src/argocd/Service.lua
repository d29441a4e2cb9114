-- What the Argo CD health check of Service adds to src/argocd/health.lua (rendered by `npm run generate`).
-- @healthy
local counts = ""
if status.runningCount ~= nil and status.desiredCount ~= nil then
  counts = tostring(status.runningCount) .. "/" .. tostring(status.desiredCount) .. " tasks running. "
end
return { status = "Healthy", message = counts .. say(ready, "Ready") }
