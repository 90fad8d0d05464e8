-- Records fraud labels on the labelled transaction's terminal and day, each transaction at most once
-- (a SET NX marker), so a redelivered or re-sent label never counts twice.
--
-- KEYS: every key of the batch once; ARGV refers to keys by 1-based index.
-- ARGV: ttl, markerTtl, terminal days kept, label count, then per label: marker key, terminal key, day.
-- Reply, one integer per label: 1 applied, 0 duplicate, 2 too old for the terminal's retention.
local ttl = tonumber(ARGV[1])
local markerTtl = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local HEADER = 4
local STRIDE = 3

local reply = {}
for i = 0, count - 1 do
  local at = HEADER + i * STRIDE
  local marker = KEYS[tonumber(ARGV[at + 1])]
  local tKey = KEYS[tonumber(ARGV[at + 2])]
  local day = tonumber(ARGV[at + 3])
  if not redis.call('SET', marker, '1', 'NX', 'EX', markerTtl) then
    reply[i + 1] = 0
  elseif admit(tKey, day, retention) then
    incr(tKey, fieldsOf(day).f, 1)
    reply[i + 1] = 1
  else
    reply[i + 1] = 2
  end
end
flush(ttl)
return reply
