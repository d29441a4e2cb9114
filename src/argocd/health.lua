-- Argo CD health check of ecs.operator.dev/{{kind}} (docs/argocd.md): the kstatus conditions the controller writes
-- become Argo CD health. Deleting (with what the deletion waits for, from Reconciling), or a generation the
-- controller has not observed yet: Progressing. Stalled=True: Degraded. Reconciling=True: Progressing. Ready=True: Healthy; Ready=False: Degraded; no Ready yet: Progressing.
-- Written for Argo CD's sandbox: Lua 5.1 with the base and table libraries only (no string library).
local function condition(status, type)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function say(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local meta = obj.metadata or {}
local status = obj.status
if meta.deletionTimestamp ~= nil then
  -- What the deletion waits for, when the controller says (a Cluster that still holds services, a draining Service).
  local waiting = condition(status, "Reconciling")
  if waiting ~= nil and waiting.status == "True" and waiting.message ~= nil and waiting.message ~= "" then
    return { status = "Progressing", message = "{{kind}} is being deleted: " .. waiting.message }
  end
  return { status = "Progressing", message = "{{kind}} is being deleted" }
end
if status == nil or status.observedGeneration == nil then
  return { status = "Progressing", message = "Waiting for the ecs-operator controller to report status" }
end
if meta.generation ~= nil and status.observedGeneration < meta.generation then
  return { status = "Progressing", message = "Waiting for the controller to observe generation " .. tostring(meta.generation) }
end
local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  return { status = "Degraded", message = say(stalled, "Stalled") }
end
local reconciling = condition(status, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  return { status = "Progressing", message = say(reconciling, "Reconciling") }
end
-- {{after-reconciling}}
local ready = condition(status, "Ready")
if ready == nil or ready.status ~= "True" and ready.status ~= "False" then
  return { status = "Progressing", message = say(ready, "Waiting for the Ready condition") }
end
if ready.status == "False" then
  return { status = "Degraded", message = say(ready, "Not ready") }
end
-- {{after-ready}}
-- {{healthy}}
