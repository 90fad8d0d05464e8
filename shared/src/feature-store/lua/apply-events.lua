-- For every event of a micro-batch, IN ORDER: answer the pre-state its features need and apply it.
-- A stored snapshot means the event was applied before (redelivery): its pre-state is answered again
-- and nothing is applied twice. Atomic, because a script runs alone: a crash never leaves half a batch.
--
-- KEYS: the batch's customer keys (C), then its terminal keys (T), each once, then one snapshot key
--       per event, in event order.
-- ARGV: ttl, snapshotTtl, pre-state tag,
--       customer days kept, stored fields (e.g. "ns"), segments read (e.g. "0-0,1-6,7-29"),
--       terminal days kept, stored fields (e.g. "nf"), segments read (e.g. "7-7,8-13,14-36"),
--       C, T, event count, then the events packed in one string (one struct.unpack per event instead
--       of five arguments to convert on both sides), per event little-endian: customer (int32, 1..C),
--       terminal (int32, 1..T, 0 = none), day (int32), amount cents (float64), apply (uint8: 1, or 0
--       for an event late beyond the allowed lateness),
--       then the store generation the caller saw last ('' if none) and the degraded span in days.
--       The generation key is the last KEY.
-- Reply, flat, per event: status (0 applied, 1 redelivered, 2 late: not applied), then the pre-state,
-- struct-packed: the tag, then for the customer and then the terminal (zeros without one), per segment
-- of ages read, the sums of the stored fields (n, f int32; s float64). The same string is the stored
-- snapshot. A redelivered event is answered with its stored snapshot as is, whatever its format.
-- After the events: the store generation id and the last degraded day (-1: none), see generation().
local ttl = ARGV[1]
local snapshotTtl = ARGV[2]
local tag = ARGV[3]
local customer = entityKind(ARGV[4], ARGV[5], ARGV[6])
local terminal = entityKind(ARGV[7], ARGV[8], ARGV[9])
local C = tonumber(ARGV[10])
local T = tonumber(ARGV[11])
local count = tonumber(ARGV[12])
local packedEvents = ARGV[13]
local EVENT = '<i4i4i4dB'
local EVENT_SIZE = struct.size(EVENT)
if #packedEvents ~= count * EVENT_SIZE then
  error({ err = 'ERR feature store: ' .. #packedEvents .. ' bytes of events for ' .. count .. ' events' })
end
local SNAPSHOTS = C + T
local GENERATION_KEY = KEYS[SNAPSHOTS + count + 1]
local knownGeneration = ARGV[14]
local degradedSpan = tonumber(ARGV[15])

-- The store generation (store-layout.ts generationKey): a hash { id, born, through } that lives in the
-- same memory as the state, so an empty Redis (a restart without persistence, a flush) has none. The
-- call that finds none starts a new one, born at the batch's oldest day. A caller that knew an earlier
-- generation proves the state was lost: every event up to `through` = born + the oldest age a feature
-- reads then sees windows missing days before the loss, and is answered as degraded. A generation
-- started by a caller that knew none (the first start, or every member restarted with the store) is
-- trusted (through = -1) until a member that knew the earlier one calls. Checked and written in this
-- same atomic call, so no batch reads the new state without its verdict.
local function generation()
  local g = redis.call('HMGET', GENERATION_KEY, 'id', 'born', 'through')
  local id, born, through = g[1], tonumber(g[2]), tonumber(g[3])
  if not id then
    local t = redis.call('TIME')
    id = t[1] .. '.' .. t[2]
    born = nil
    for i = 1, count do
      local _, _, day = struct.unpack(EVENT, packedEvents, (i - 1) * EVENT_SIZE + 1)
      if born == nil or day < born then born = day end
    end
    through = -1
    if knownGeneration ~= '' then through = born + degradedSpan end
    redis.call('HSET', GENERATION_KEY, 'id', id, 'born', born, 'through', through)
  elseif knownGeneration ~= '' and knownGeneration ~= id and through < 0 then
    through = born + degradedSpan
    redis.call('HSET', GENERATION_KEY, 'through', through)
  end
  return id, through
end
local generationId, degradedThrough = generation()

-- The pre-state format: the tag, then the customer's sums, then the terminal's (store-protocol.ts).
local customerWidth = #customer.segmentLo * customer.nf
local terminalWidth = #terminal.segmentLo * terminal.nf
local preStateFormat = '<c' .. #tag
for _, kind in ipairs({ customer, terminal }) do
  for _ = 1, #kind.segmentLo do preStateFormat = preStateFormat .. kind.values end
end
local sums = {}

-- Writes the window's field sums per segment (segment-major, nf each, 0 when empty) to out[base + 1..].
-- Field sums over a segment answer every feature window exactly: the segments are cut at every
-- window's bounds (store-layout.ts), and all values are integers.
local function window(st, day, out, base)
  local kind = st.kind
  local v, S, nf = st.v, kind.stride, kind.nf
  local segmentLo, segmentHi = kind.segmentLo, kind.segmentHi
  local segments = #segmentLo
  -- One walk back from the newest record (records ascend by day, so ages ascend along the walk) with
  -- the current segment g: a record younger than g is skipped (a day after the event's, or a gap), one
  -- older closes g. The sums of up to three fields are locals, the cheapest thing Lua has.
  local g, a1, a2, a3 = 1, 0, 0, 0
  local p = 3 + (st.k - 1) * S
  while p >= 3 and g <= segments do
    local age = day - v[p]
    if age < segmentLo[g] then
      p = p - S
    elseif age > segmentHi[g] then
      out[base + 1] = a1
      if nf > 1 then out[base + 2] = a2 end
      if nf > 2 then out[base + 3] = a3 end
      base = base + nf
      a1, a2, a3 = 0, 0, 0
      g = g + 1
    else
      a1 = a1 + v[p + 1]
      if nf > 1 then a2 = a2 + v[p + 2] end
      if nf > 2 then a3 = a3 + v[p + 3] end
      p = p - S
    end
  end
  while g <= segments do
    out[base + 1] = a1
    if nf > 1 then out[base + 2] = a2 end
    if nf > 2 then out[base + 3] = a3 end
    base = base + nf
    a1, a2, a3 = 0, 0, 0
    g = g + 1
  end
end

local function record(st, day, cents)
  if not admit(st, day) then return end
  local kind = st.kind
  add(st, 1, day, 1)
  local s = kind.col.s
  if s then add(st, s, day, cents) end
end

local states = loadStates(C + T, function(i) return i <= C and customer or terminal end)

-- Every snapshot of the batch in one call (chunks keep unpack within Lua's stack limit).
local stored = {}
for from = 1, count, 1000 do
  local to = math.min(count, from + 999)
  local got = redis.call('MGET', unpack(KEYS, SNAPSHOTS + from, SNAPSHOTS + to))
  for j = 1, #got do stored[from + j - 1] = got[j] end
end
local fresh = {}  -- snapshots written by this batch: an event twice in one batch is a redelivery too

local reply = {}
for i = 1, count do
  local sKey = KEYS[SNAPSHOTS + i]
  local snapshot = stored[i] or fresh[sKey]
  if snapshot then
    reply[#reply + 1] = 1
    reply[#reply + 1] = snapshot
  else
    local cIndex, tIndex, day, cents, apply = struct.unpack(EVENT, packedEvents, (i - 1) * EVENT_SIZE + 1)
    local cs = states[cIndex]
    local ts = tIndex > 0 and states[C + tIndex] or nil
    window(cs, day, sums, 0)
    if ts then
      window(ts, day, sums, customerWidth)
    else
      for j = customerWidth + 1, customerWidth + terminalWidth do sums[j] = 0 end
    end
    snapshot = struct.pack(preStateFormat, tag, unpack(sums, 1, customerWidth + terminalWidth))
    redis.call('SET', sKey, snapshot, 'EX', snapshotTtl)
    fresh[sKey] = snapshot
    local status = 2
    if apply == 1 then
      status = 0
      record(cs, day, cents)
      if ts then record(ts, day, cents) end
    end
    reply[#reply + 1] = status
    reply[#reply + 1] = snapshot
  end
end
flush(states, C + T, ttl)
reply[#reply + 1] = generationId
reply[#reply + 1] = degradedThrough
return reply
