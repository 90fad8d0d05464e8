-- Shared by both scripts (prepended to each): the batch's view of the entity states, layout v2.
--
-- One string per entity (store-layout.ts documents it), struct-packed, little-endian:
--   the entity's stored fields as characters (e.g. "ns"), checked on every read;
--   newest day recorded (int32, drives pruning);
--   then, ascending by day, one record per day holding anything: day (int32), then the fields in the
--   same order, n and f as int32 and s as a double (integer cents, exact up to 2^53).
--
-- Why packed rather than layout v1's hash of "<day>:<field>" fields: a script's cost is dominated by
-- converting command arguments and replies between Redis and Lua and by Lua itself, not by the
-- commands. A hash came back from one HGETALL per entity as two Lua strings per field (20-60 per
-- entity), each number parsed and formatted again, and went back with HSET (+ HDEL) + EXPIRE; a packed
-- value is one string decoded by C (struct.unpack), every entity of the batch comes back from ONE MGET,
-- and each changed entity goes back with ONE SET ... EX that also refreshes its TTL.
--
-- Every read and update of the batch happens on the decoded Lua tables; each changed entity is encoded
-- and written once at the end. The script runs atomically, so this is indistinguishable from updating
-- the stored value per event.

-- An entity kind (customer or terminal) from three ARGV values: days kept, stored fields, and the
-- segments of ages the features read ("lo-hi,lo-hi,...", may be empty).
local function entityKind(retention, fields, segments)
  local nf = #fields
  local kind = { retention = tonumber(retention), fields = fields, nf = nf, stride = 1 + nf, col = {}, formats = {} }
  local values = ''  -- struct format of the fields: n, f int32, s float64
  for j = 1, nf do
    local f = fields:sub(j, j)
    kind.col[f] = j
    values = values .. (f == 's' and 'd' or 'i4')
  end
  local record = 'i4' .. values
  kind.values = values
  kind.record = record
  kind.header = '<c' .. nf .. 'i4'
  kind.headerSize = struct.size(kind.header)
  kind.recordSize = struct.size('<' .. record)
  -- The segments, youngest first: segmentLo[g]..segmentHi[g] (ascending, disjoint, maybe with gaps).
  kind.segmentLo = {}
  kind.segmentHi = {}
  for lo, hi in string.gmatch(segments, '(%d+)-(%d+)') do
    kind.segmentLo[#kind.segmentLo + 1] = tonumber(lo)
    kind.segmentHi[#kind.segmentHi + 1] = tonumber(hi)
  end
  return kind
end

-- The struct format of a value holding k days, and of k records alone (built once per k and batch).
local function formatFor(kind, k)
  local f = kind.formats[k]
  if f == nil then
    f = kind.header .. string.rep(kind.record, k)
    kind.formats[k] = f
  end
  return f
end

local function recordsFormat(kind, k)
  local f = kind.formats[-k - 1]
  if f == nil then
    f = '<' .. string.rep(kind.record, k)
    kind.formats[-k - 1] = f
  end
  return f
end

-- A state keeps the value's fields flat, exactly in packed order: v = { fields, newest, then k records
-- of (day, field values), ascending by day }. Decoding is one struct.unpack into a table, and the days
-- an event reads are a walk back from the newest record. newest is nil for an entity the store does
-- not know.
--
-- Writing back re-packs only what changed: the value read is kept (raw), and `unchanged` counts the
-- leading records of v still equal to raw's records after the `dropped` ones pruned from its front.
-- Events nearly always touch the newest day, so a write packs one record and copies the rest.
local function decode(kind, key, value)
  local st = { kind = kind, key = key, k = 0, newest = nil, dirty = false, raw = value, dropped = 0, unchanged = 0 }
  if not value then
    st.v = { kind.fields, 0 }
    return st
  end
  local k = (#value - kind.headerSize) / kind.recordSize
  local v = k >= 0 and k == math.floor(k) and { struct.unpack(formatFor(kind, k), value) }
  if not v or v[1] ~= kind.fields then
    -- Another layout or field set under this name: refuse rather than misread (final for the batch;
    -- nothing is written before every state is read).
    error({ err = 'ERR feature store: ' .. key .. ' does not hold a "' .. kind.fields .. '" entity state of layout v2' })
  end
  v[#v] = nil  -- struct.unpack's last result is the position after the value
  st.v = v
  st.k = k
  st.unchanged = k
  st.newest = v[2]
  return st
end

-- Reads the states of KEYS[1..n] with one MGET (chunks keep unpack within Lua's stack limit); kindOf(i)
-- gives the kind of key i.
local function loadStates(n, kindOf)
  local states = {}
  for from = 1, n, 1000 do
    local to = math.min(n, from + 999)
    local got = redis.call('MGET', unpack(KEYS, from, to))
    for i = from, to do states[i] = decode(kindOf(i), KEYS[i], got[i - from + 1]) end
  end
  return states
end

-- Mirrors the shared module's bucketFor(): a day is kept while it is within `retention` days of the
-- entity's newest day; moving the newest day forward prunes the days that fell out, and a day already
-- older than the retention is not recorded at all. `retention` here is the shared module's retention
-- plus the configured slack (see StoreSettings).
local function admit(st, day)
  local newest = st.newest
  local retention = st.kind.retention
  if newest ~= nil and day <= newest - retention then return false end
  if newest == nil or day > newest then
    -- Drop the leading records that fall out: days <= day - retention.
    local v, S = st.v, st.kind.stride
    local last = 2 + st.k * S
    local drop = 0
    while drop < st.k and v[3 + drop * S] <= day - retention do drop = drop + 1 end
    if drop > 0 then
      local shift = drop * S
      for i = 3, last - shift do v[i] = v[i + shift] end
      for i = last - shift + 1, last do v[i] = nil end
      st.k = st.k - drop
      st.dropped = st.dropped + drop
      st.unchanged = math.max(0, st.unchanged - drop)
    end
    st.newest = day
    st.dirty = true
  end
  return true
end

-- Adds `by` to field j of an admitted day, creating the day's record (all fields 0) when absent.
local function add(st, j, day, by)
  local v, S = st.v, st.kind.stride
  local p = 3 + (st.k - 1) * S
  while p >= 3 and v[p] > day do p = p - S end
  if p < 3 or v[p] ~= day then
    -- A new day: nearly always the newest (an append); a late one is inserted in order.
    p = p + S
    if p <= 2 + st.k * S then
      for c = 0, S - 1 do table.insert(v, p + c, 0) end
    end
    v[p] = day
    for c = 1, S - 1 do v[p + c] = 0 end
    st.k = st.k + 1
  end
  v[p + j] = v[p + j] + by
  st.unchanged = math.min(st.unchanged, (p - 3) / S)
  st.dirty = true
end

local function encode(st)
  local kind = st.kind
  local S = kind.stride
  local kept = st.unchanged
  local head = struct.pack(kind.header, kind.fields, st.newest)
  local tail = struct.pack(recordsFormat(kind, st.k - kept), unpack(st.v, 3 + kept * S, 2 + st.k * S))
  if kept == 0 then return head .. tail end
  local from = kind.headerSize + st.dropped * kind.recordSize
  return head .. st.raw:sub(from + 1, from + kept * kind.recordSize) .. tail
end

-- Writes every changed state once; SET ... EX also refreshes its TTL (refreshed on write only).
local function flush(states, n, ttl)
  for i = 1, n do
    local st = states[i]
    if st.dirty then redis.call('SET', st.key, encode(st), 'EX', ttl) end
  end
end
