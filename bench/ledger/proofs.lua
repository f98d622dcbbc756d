-- wrk script: GET /api/v1/proofs/inclusion at uniformly random indexes of a tree of SIZE
-- entries (SIZE from the environment), so every request asks for a different proof.
local size = tonumber(os.getenv("SIZE") or "1000")
math.randomseed(os.time())
request = function()
  local i = math.random(0, size - 1)
  return wrk.format("GET", "/api/v1/proofs/inclusion?index=" .. i .. "&size=" .. size)
end
