-- wrk script: protocol submissions through the JSON API, each request with a unique
-- idempotency key ("wrk-<run>-<thread>-<n>"), to a random station of the benchmark election.
--
--   KUZET_TOKEN=<submit token> KUZET_RUN=<any word> wrk -t2 -c16 -d30s \
--     -s crates/web/benches/submissions.lua http://127.0.0.1:8091
--
-- At the end it prints how many requests each thread generated and how many it saw answered
-- 201 (created), 200 (a replay: should be 0 here) or otherwise, and writes the keys' ranges to
-- KUZET_KEYS (default /tmp/kuzet-wrk-keys.txt) so that `submissions_check.py` can resend every
-- key and prove that none was lost or stored twice.

local token = os.getenv("KUZET_TOKEN") or ""
local run = os.getenv("KUZET_RUN") or "run"
local slug = os.getenv("KUZET_SLUG") or "bench"
local stations = tonumber(os.getenv("KUZET_STATIONS") or "1000")
local threads = {}
-- Per-thread globals (each wrk thread has its own Lua state); `done` reads them with get().
counter = 0
created, replayed, other = 0, 0, 0
id = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

-- The figures of a protocol whose control relations hold (Kazakhstan 2019 definition).
local function body(station, key)
  local a = 200 + (station % 300)
  local b = 150 + (station % 200)
  local valid = a + b
  return string.format(
    '{"station":"%d","idempotency_key":"%s","figures":{"registered":1500,"received":1500,' ..
    '"issued":%d,"cancelled":%d,"cast":%d,"invalid":7,"valid":%d,"Candidate A":%d,"Candidate B":%d}}',
    station, key, valid + 7, 1500 - valid - 7, valid + 7, valid, a, b)
end

function request()
  counter = counter + 1
  local key = string.format("wrk-%s-%d-%d", run, id, counter)
  -- The station follows from the key, so that the check can resend the very same protocol.
  local station = (id * 7919 + counter * 104729) % stations + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key,
  }
  return wrk.format("POST", "/api/v1/elections/" .. slug .. "/submissions", headers, body(station, key))
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then replayed = replayed + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local generated, total_created, total_replayed, total_other = 0, 0, 0, 0
  local path = os.getenv("KUZET_KEYS") or "/tmp/kuzet-wrk-keys.txt"
  local file = io.open(path, "w")
  for _, thread in ipairs(threads) do
    local n = thread:get("counter")
    generated = generated + n
    total_created = total_created + thread:get("created")
    total_replayed = total_replayed + thread:get("replayed")
    total_other = total_other + thread:get("other")
    file:write(string.format("%s %d %d\n", run, thread:get("id"), n))
  end
  file:close()
  io.write(string.format(
    "completed %d (201: %d, 200: %d, other: %d); keys generated %d; socket errors %d/%d/%d/%d\n",
    summary.requests, total_created, total_replayed, total_other, generated,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
