-- Records fraud labels on the labelled transaction's terminal and day, each transaction at most once
-- (a SET NX marker), so a redelivered or re-sent label never counts twice.
--
-- KEYS: the batch's terminal keys (T), each once, then one marker key per label, in label order.
-- ARGV: ttl, markerTtl, terminal days kept, terminal stored fields (e.g. "nf"), T, label count, then
--       per label: terminal (1..T), day.
-- Reply, one integer per label: 1 applied, 0 duplicate, 2 too old for the terminal's retention.
local ttl = ARGV[1]
local markerTtl = ARGV[2]
local terminal = entityKind(ARGV[3], ARGV[4], '')
local T = tonumber(ARGV[5])
local count = tonumber(ARGV[6])
local HEADER = 6
local STRIDE = 2
-- No feature reads fraud counts when the terminal stores no "f": the label then only moves the newest
-- day, as the shared module's applyLabelToBuckets does.
local fraud = terminal.col.f

local states = loadStates(T, function() return terminal end)

local reply = {}
for i = 1, count do
  local at = HEADER + (i - 1) * STRIDE
  local st = states[tonumber(ARGV[at + 1])]
  local day = tonumber(ARGV[at + 2])
  if not redis.call('SET', KEYS[T + i], '1', 'NX', 'EX', markerTtl) then
    reply[i] = 0
  elseif admit(st, day) then
    if fraud then add(st, fraud, day, 1) end
    reply[i] = 1
  else
    reply[i] = 2
  end
end
flush(states, T, ttl)
return reply
