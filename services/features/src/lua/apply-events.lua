-- For every event of a micro-batch, IN ORDER: answer the pre-state its features need and apply it.
-- A stored snapshot means the event was applied before (redelivery): its pre-state is answered again
-- and nothing is applied twice. Atomic, because a script runs alone: a crash never leaves half a batch.
--
-- KEYS: every key of the batch once; ARGV refers to keys by 1-based index.
-- ARGV: ttl, snapshotTtl,
--       customer minAge, maxAge, days kept, fields (e.g. "ns"),
--       terminal minAge, maxAge, days kept, fields (e.g. "nf"),
--       event count, then per event: customer key, terminal key (0 = none), snapshot key, day,
--       amount cents, apply (1, or 0 for an event late beyond the allowed lateness).
-- Reply, flat, per event: status (0 applied, 1 redelivered, 2 late: not applied), then the pre-state as
-- one string of comma-separated integers: the customer window, then the terminal window, each as the
-- number of non-empty days k, then k x (age, field values). The same string is the stored snapshot.
local ttl = tonumber(ARGV[1])
local snapshotTtl = tonumber(ARGV[2])

local function entity(at)
  local e = { minAge = tonumber(ARGV[at]), maxAge = tonumber(ARGV[at + 1]), retention = tonumber(ARGV[at + 2]), fields = {} }
  local f = ARGV[at + 3]
  for i = 1, #f do e.fields[i] = f:sub(i, i) end
  e.writesSum = string.find(f, 's', 1, true) ~= nil
  return e
end

local customer = entity(3)
local terminal = entity(7)
local count = tonumber(ARGV[11])
local HEADER = 11
local STRIDE = 6

local AGE = {}
for age = 0, math.max(customer.maxAge, terminal.maxAge) do AGE[age] = string.format('%d', age) end

-- Appends k, then (age, field values) for the k days of the window holding anything.
local function window(key, day, e, parts)
  local h = load(key)
  local fields = e.fields
  local nf = #fields
  local slot = #parts + 1
  parts[slot] = '0'
  local k = 0
  for age = e.minAge, e.maxAge do
    local f = fieldsOf(day - age)
    local any = false
    for j = 1, nf do
      if h[f[fields[j]]] then any = true end
    end
    if any then
      k = k + 1
      parts[#parts + 1] = AGE[age]
      for j = 1, nf do parts[#parts + 1] = h[f[fields[j]]] or '0' end
    end
  end
  parts[slot] = AGE[k] or string.format('%d', k)
end

local function record(key, day, cents, e)
  if not admit(key, day, e.retention) then return end
  local f = fieldsOf(day)
  incr(key, f.n, 1)
  if e.writesSum then incr(key, f.s, cents) end
end

-- Every snapshot of the batch in one call (chunks keep unpack within Lua's stack limit).
local stored = {}
for from = 0, count - 1, 1000 do
  local keys = {}
  for i = from, math.min(count, from + 1000) - 1 do keys[#keys + 1] = KEYS[tonumber(ARGV[HEADER + i * STRIDE + 3])] end
  local got = redis.call('MGET', unpack(keys))
  for j = 1, #got do stored[from + j] = got[j] end
end
local fresh = {}  -- snapshots written by this batch: an event twice in one batch is a redelivery too

local reply = {}
for i = 0, count - 1 do
  local at = HEADER + i * STRIDE
  local sKey = KEYS[tonumber(ARGV[at + 3])]
  local snapshot = stored[i + 1] or fresh[sKey]
  if snapshot then
    reply[#reply + 1] = 1
    reply[#reply + 1] = snapshot
  else
    local cKey = KEYS[tonumber(ARGV[at + 1])]
    local tIndex = tonumber(ARGV[at + 2])
    local day = tonumber(ARGV[at + 4])
    local parts = {}
    window(cKey, day, customer, parts)
    if tIndex > 0 then window(KEYS[tIndex], day, terminal, parts) else parts[#parts + 1] = '0' end
    snapshot = table.concat(parts, ',')
    redis.call('SET', sKey, snapshot, 'EX', snapshotTtl)
    fresh[sKey] = snapshot
    local status = 2
    if ARGV[at + 6] == '1' then
      status = 0
      local cents = tonumber(ARGV[at + 5])
      record(cKey, day, cents, customer)
      if tIndex > 0 then record(KEYS[tIndex], day, cents, terminal) end
    end
    reply[#reply + 1] = status
    reply[#reply + 1] = snapshot
  end
end
flush(ttl)
return reply
