-- What the Argo CD health check of Task adds to src/argocd/health.lua (rendered by `npm run generate`).
-- @after-reconciling
-- A stopped task is finished, like a Job: Healthy when it was asked to stop or every container exited 0,
-- Degraded otherwise (failed to start, a non-zero exit, a spot interruption).
if status.lastStatus == "STOPPED" then
  local reason = status.stoppedReason or status.stopCode or "stopped"
  if status.stopCode == "UserInitiated" or (obj.spec ~= nil and obj.spec.desiredStatus == "STOPPED") then
    return { status = "Healthy", message = "Stopped as requested: " .. reason }
  end
  local failed = status.stopCode ~= "EssentialContainerExited"
  for _, task in ipairs(status.tasks or {}) do
    for _, c in ipairs(task.containers or {}) do
      if c.exitCode ~= nil and c.exitCode ~= 0 then
        failed = true
        reason = "container " .. tostring(c.name) .. " exited with code " .. tostring(c.exitCode) .. ": " .. reason
      end
    end
  end
  if failed then
    return { status = "Degraded", message = reason }
  end
  return { status = "Healthy", message = "Completed: " .. reason }
end
