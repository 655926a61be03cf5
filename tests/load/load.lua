-- wrk script for tests/load/run.sh. Arguments after `--`:
--   submit TOKENS_FILE BODY_FILE[,BODY_FILE…] CYCLE THREADS RATE
--   read   TOKEN_FILE  PATH      -     THREADS RATE
-- TOKENS_FILE has one "ASSEMBLY TOKEN" per line; each wrk thread takes every THREADS-th line and
-- submits for its assemblies in turn, so that no two requests in flight write the same response
-- (unless one is still running after the thread has gone round all of its assemblies).
-- With several body files, each assembly is sent them in turn (its first round the first body,
-- its second round the second, …), so that each of its submissions changes its answer.
-- RATE is the total requests per second to pace at (0: as fast as the clients go). Pacing is
-- per thread: each request takes the next free slot of the thread's schedule, so the rate holds
-- while the server keeps up, and latency is measured from the moment a request is sent.
-- `done` prints one line, `RESULT key=value …`, that run.sh parses.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *tp);
]]
local now_buffer = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, now_buffer) -- CLOCK_MONOTONIC
  return tonumber(now_buffer.tv_sec) * 1000 + tonumber(now_buffer.tv_nsec) / 1e6
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local mode, entries, bodies, cycle, path, interval, next_at
local counter = 0
statuses = {}

local function read_file(name)
  local f = assert(io.open(name, "r"), "cannot open " .. name)
  local text = f:read("*a")
  f:close()
  return text
end

function init(args)
  mode = args[1]
  local nthreads = tonumber(args[5])
  local rate = tonumber(args[6])
  if rate and rate > 0 then
    interval = 1000 * nthreads / rate
  end
  entries = {}
  if mode == "submit" then
    bodies = {}
    for name in string.gmatch(args[3], "[^,]+") do
      table.insert(bodies, read_file(name))
    end
    cycle = args[4]
    local line_no = 0
    for line in io.lines(args[2]) do
      local assembly, token = line:match("^(%S+)%s+(%S+)$")
      if assembly then
        if line_no % nthreads == id then
          table.insert(entries, { assembly = assembly, token = token })
        end
        line_no = line_no + 1
      end
    end
  else
    local token = read_file(args[2]):match("%S+")
    path = args[3]
    table.insert(entries, { token = token })
  end
  assert(#entries > 0, "no tokens for thread " .. id)
end

function request()
  counter = counter + 1
  local e = entries[(counter - 1) % #entries + 1]
  if mode == "submit" then
    local round = math.floor((counter - 1) / #entries)
    local body = bodies[round % #bodies + 1]
    return wrk.format("POST", "/api/v1/cycles/" .. cycle .. "/responses/" .. e.assembly .. "/submit",
      { ["Authorization"] = "Bearer " .. e.token, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. e.token })
end

function delay()
  if not interval then
    return 0
  end
  local t = now_ms()
  if not next_at or next_at < t then
    next_at = t
  end
  local wait = next_at - t
  next_at = next_at + interval
  return math.floor(wait + 0.5)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local by_status = {}
  local ok, other = 0, 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      by_status[status] = (by_status[status] or 0) + n
      if status >= 200 and status < 300 then
        ok = ok + n
      else
        other = other + n
      end
    end
  end
  local parts = {}
  for status, n in pairs(by_status) do
    table.insert(parts, status .. ":" .. n)
  end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format(
    "RESULT duration_us=%d requests=%d ok=%d non2xx=%d statuses=%s socket_errors=%d timeouts=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.0f\n",
    summary.duration, summary.requests, ok, other, table.concat(parts, ","),
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
