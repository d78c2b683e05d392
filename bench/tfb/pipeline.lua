-- HTTP pipelining for wrk, as TechEmpower loads /plaintext: `wrk -s pipeline.lua <url> -- 16` sends
-- 16 requests in one write and counts each answer.
init = function(args)
  local depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
