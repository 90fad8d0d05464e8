-- Converts layout v1 entity hashes to layout v2 values (legacy-layout.ts runs it over a SCAN of the v1
-- keys, one page per call): per key pair, when the v1 key is a hash with a "newest" field and the v2
-- key does not exist yet, the days within the retention become a v2 value that keeps the hash's
-- remaining TTL, and the hash is deleted. Atomic per call, so replicas migrating at the same time
-- convert every hash exactly once. A v2 value that already exists is never overwritten: the hash is
-- then left alone to expire (it can only have been written by a v1 replica still running).
--
-- KEYS: pairs (v1 key, v2 key).
-- ARGV: days kept, stored fields (e.g. "ns"), ttl for a hash without one.
-- Reply: { migrated, left alone }.
local kind = entityKind(ARGV[1], ARGV[2], '')
local ttl = ARGV[3]
local migrated, left = 0, 0
for i = 1, #KEYS, 2 do
  local old, new = KEYS[i], KEYS[i + 1]
  local h = nil
  if redis.call('TYPE', old).ok == 'hash' and redis.call('EXISTS', new) == 0 then
    h = {}
    local flat = redis.call('HGETALL', old)
    for j = 1, #flat, 2 do h[flat[j]] = flat[j + 1] end
  end
  local newest = h and tonumber(h.newest)
  if newest then
    local st = decode(kind, new, false)
    admit(st, newest)
    for day = newest - kind.retention + 1, newest do
      local p = string.format('%d', day) .. ':'
      for j = 1, kind.nf do
        local v = tonumber(h[p .. kind.fields:sub(j, j)])
        -- A day holding any field becomes a record, its missing fields 0 (as v1 read them).
        if v then add(st, j, day, v) end
      end
    end
    local pttl = redis.call('PTTL', old)
    if pttl > 0 then
      redis.call('SET', new, encode(st), 'PX', pttl)
    else
      redis.call('SET', new, encode(st), 'EX', ttl)
    end
    redis.call('DEL', old)
    migrated = migrated + 1
  else
    left = left + 1
  end
end
return { migrated, left }
