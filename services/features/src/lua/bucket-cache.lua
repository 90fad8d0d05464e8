-- Shared by both scripts (prepended to each): the batch's view of the entity hashes.
--
-- Why a cache: a script's cost is dominated by redis.call round trips and by converting arguments and
-- replies, not by Lua. So each hash is read ONCE per batch (HGETALL), every read and update of the batch
-- happens on that Lua table, and each written hash is written ONCE at the end (HSET/HDEL of the final
-- values, then EXPIRE). The script runs atomically, so this is indistinguishable from HINCRBY per event.
-- Values stay Redis strings where possible: formatting Lua numbers is the slowest thing Lua does here.
local cache = {}   -- key -> { field -> string value }
local dirty = {}   -- key -> { field -> true } (written or deleted)
local order = {}   -- dirty keys in first-write order

local function load(key)
  local h = cache[key]
  if h == nil then
    h = {}
    local flat = redis.call('HGETALL', key)
    for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
    cache[key] = h
  end
  return h
end

-- Field names per day, built once per batch: a batch spans few days but reads each of them many times.
local names = {}
local function fieldsOf(day)
  local f = names[day]
  if f == nil then
    local p = string.format('%d', day) .. ':'
    f = { n = p .. 'n', s = p .. 's', f = p .. 'f' }
    names[day] = f
  end
  return f
end

local function put(key, field, value)
  cache[key][field] = value
  local d = dirty[key]
  if d == nil then
    d = {}
    dirty[key] = d
    order[#order + 1] = key
  end
  d[field] = true
end

local function incr(key, field, by)
  put(key, field, string.format('%d', (tonumber(cache[key][field]) or 0) + by))
end

-- Mirrors the shared module's bucketFor(): a day is kept while it is within `retention` days of the
-- entity's newest day; moving the newest day forward prunes the days that fell out, and a day already
-- older than the retention is not recorded at all. `retention` here is the shared module's retention
-- plus the configured slack (see StoreSettings). Invariant that keeps pruning cheap: every day field lies
-- in [newest - retention + 1, newest], so only days between the old and new lower bound can need it.
local function admit(key, day, retention)
  local h = load(key)
  local newest = tonumber(h.newest)
  if newest ~= nil and day <= newest - retention then return false end
  if newest == nil or day > newest then
    if newest ~= nil then
      for d = newest - retention + 1, math.min(newest, day - retention) do
        local f = fieldsOf(d)
        if h[f.n] then put(key, f.n, nil) end
        if h[f.s] then put(key, f.s, nil) end
        if h[f.f] then put(key, f.f, nil) end
      end
    end
    put(key, 'newest', string.format('%d', day))
  end
  return true
end

-- Writes every changed hash once and refreshes its TTL (the TTL is refreshed on write only).
local function flush(ttl)
  for _, key in ipairs(order) do
    local h = cache[key]
    local sets, dels = {}, {}
    for field in pairs(dirty[key]) do
      local v = h[field]
      if v == nil then
        dels[#dels + 1] = field
      else
        sets[#sets + 1] = field
        sets[#sets + 1] = v
      end
    end
    if #dels > 0 then redis.call('HDEL', key, unpack(dels)) end
    if #sets > 0 then redis.call('HSET', key, unpack(sets)) end
    redis.call('EXPIRE', key, ttl)
  end
end
