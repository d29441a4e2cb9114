-- What the Argo CD health check of TaskDefinition adds to src/argocd/health.lua (rendered by `npm run generate`).
-- @healthy
local revision = ""
if status.taskDefinitionArn ~= nil then
  revision = status.taskDefinitionArn .. ": "
end
return { status = "Healthy", message = revision .. say(ready, "revision registered") }
