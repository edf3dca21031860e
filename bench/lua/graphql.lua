-- wrk script for the consultation benchmark (bench/run.py).
--   wrk ... -s graphql.lua URL -- read  BODY.json  [MAX_REQUESTS]
--   wrk ... -s graphql.lua URL -- write ITEMS.tsv  [MAX_REQUESTS]
-- read: one JSON body POSTed again and again (anonymous).
-- write: ITEMS.tsv lines "token<TAB>json body", sent in order (each a distinct citizen's
-- Bearer token), cycling if the run outlasts the list.
-- Every response is checked: non-2xx, and `"errors":[{` in the body (a GraphQL error or a
-- mutation's typed error). done() prints one line "BENCHJSON {...}" with wrk's latency
-- distribution for run.py to parse.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local items, n, idx, limit = {}, 0, 0, 0
responses, bad, non2xx, hits = 0, 0, 0, 0

function init(args)
  local mode, path = args[1], args[2]
  limit = tonumber(args[3] or "0") or 0
  local f = assert(io.open(path, "rb"))
  if mode == "read" then
    n = 1  -- (overriding init() skips wrk.init(), so build the request here)
    items[1] = wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, f:read("*a"))
  else
    for line in f:lines() do
      local token, body = line:match("^([^\t]*)\t(.*)$")
      n = n + 1
      items[n] = wrk.format("POST", "/graphql/", {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
      }, body)
    end
  end
  f:close()
end

function request()
  idx = idx % n + 1
  return items[idx]
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif body and body:find('"errors":[{', 1, true) then
    bad = bad + 1
  end
  if headers["X-Answer-Cache"] == "hit" then
    hits = hits + 1
  end
  if limit > 0 and responses >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local r, b, s, h = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    r = r + (t:get("responses") or 0)
    b = b + (t:get("bad") or 0)
    s = s + (t:get("non2xx") or 0)
    h = h + (t:get("hits") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"checked":%d,"graphql_errors":%d,"non2xx":%d,"cache_hits":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, r, b, s, h))
end
