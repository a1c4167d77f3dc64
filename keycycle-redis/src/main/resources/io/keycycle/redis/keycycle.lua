-- Keycycle's shared pool state: every operation that touches windows or reservations runs here,
-- atomically, in one round trip. Loaded once (SCRIPT LOAD) and called by its SHA; ARGV[1] names
-- the operation, ARGV[2] is the key prefix (with its {hash tag}: every key lives in one slot).
--
-- A bucket holds L (latest instant it was advanced to), the head sub-bucket per span, the running
-- sums, the cells, ds (start of the current calendar day, calendar buckets only), cu (cooling
-- until) and pu (parked until); their reasons are in <bucket>:why. The semantics are those of QuotaBucket: 24 + 1 sub-buckets of
-- width window/24, the one straddling the window's start is kept (a superset of the exact window:
-- may refuse up to one sub-bucket early, never admits past a limit), counts never negative.
-- Open reservations are not in the cells: they are in flight (fr requests, ft tokens), counted in
-- every window until settled, released or expired, however long the call takes; a settled request
-- enters the cells at the settlement instant.
--
-- Time: ARGV "now" < 0 means Redis TIME (the fleet's one clock); otherwise the caller's clock
-- (tests drive a manual clock). A bucket never goes back in time: t = max(now, L).

local SLOTS = 24
local RING = SLOTS + 1
local WIDTH = {60000 / SLOTS, 3600000 / SLOTS, 86400000 / SLOTS}
local NONE = -1

local function clock(arg)
  local n = tonumber(arg)
  if n >= 0 then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function num(v) if v then return tonumber(v) or 0 end return 0 end

-- A bucket is one string of 166 little-endian doubles (one GET and one SET per call):
-- [1] L, [2..4] heads, [5..10] sums, [11] ds, [12] cu, [13] pu, [14] w (someone was refused: wake
-- waiters when capacity comes back, until this instant), [15] fr, [16] ft (in flight),
-- [17..166] the cells. A value of another length (an older layout, or garbage) reads as empty.
local CELLS = 16
local SIZE = (CELLS + 150) * 8
local FORMAT = '<dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd' -- CELLS + 150 doubles, spelled out (no string.rep per call)

local function load(key)
  local raw = redis.call('GET', key)
  local b = {key = key}
  local v
  if raw and #raw == SIZE then
    v = {struct.unpack(FORMAT, raw)}
    b.fresh = false
  else
    v = {}
    for i = 1, CELLS + 150 do v[i] = 0 end
    b.fresh = true
  end
  b.L, b.h, b.s, b.ds, b.cu, b.pu, b.w = v[1], {v[2], v[3], v[4]}, {v[5], v[6], v[7], v[8], v[9], v[10]}, v[11], v[12], v[13], v[14]
  b.fr, b.ft = v[15], v[16]
  b.c = v
  return b
end

local function save(b)
  local v = b.c
  v[1], v[2], v[3], v[4] = b.L, b.h[1], b.h[2], b.h[3]
  v[5], v[6], v[7], v[8], v[9], v[10] = b.s[1], b.s[2], b.s[3], b.s[4], b.s[5], b.s[6]
  v[11], v[12], v[13], v[14] = b.ds, b.cu, b.pu, b.w
  v[15], v[16] = b.fr, b.ft
  redis.call('SET', b.key, struct.pack(FORMAT, unpack(v, 1, CELLS + 150)))
end

-- index of a cell in b.c: span 1..3, metric 0 (requests) or 1 (tokens), absolute sub-bucket slot
local function ci(span, metric, slot)
  return CELLS + ((span - 1) * 2 + metric) * RING + (slot % RING) + 1
end

-- cal = {prev, start, next} day boundaries as the caller's clock sees them, or nil (sliding day).
local function dayStartAt(cal, t)
  if t >= cal[3] then return cal[3] end
  if t >= cal[2] then return cal[2] end
  return cal[1]
end

local function nextDayReset(cal, ds)
  if ds < cal[2] then return cal[2] end
  if ds < cal[3] then return cal[3] end
  return cal[3] + 86400000
end

-- Rolls every ring forward to t, clearing the sub-buckets that left their window.
local function advance(b, t, cal)
  if t > b.L then b.L = t end
  for s = 1, 3 do
    if s == 3 and cal then
      local start = dayStartAt(cal, t)
      if start > b.ds then
        b.ds = start
        b.s[5] = 0
        b.s[6] = 0
      end
    else
      local cur = math.floor(t / WIDTH[s])
      local h = b.h[s]
      if cur > h and (h == 0 or cur - h >= RING) then
        -- a new bucket, or one idle for a whole window: every cell is empty now
        b.s[2 * s - 1] = 0
        b.s[2 * s] = 0
        for r = 0, RING - 1 do
          b.c[ci(s, 0, r)] = 0
          b.c[ci(s, 1, r)] = 0
        end
        b.h[s] = cur
      elseif cur > h then
        for slot = h + 1, cur do
          local ri, ti = ci(s, 0, slot), ci(s, 1, slot)
          b.s[2 * s - 1] = b.s[2 * s - 1] - b.c[ri]
          b.s[2 * s] = b.s[2 * s] - b.c[ti]
          b.c[ri] = 0
          b.c[ti] = 0
        end
        b.h[s] = cur
      end
    end
  end
end

-- Adds (or removes, with negative values) requests and tokens counted at instant at.
local function add(b, at, requests, tokens, cal)
  for s = 1, 3 do
    if s == 3 and cal then
      if at >= b.ds then
        b.s[5] = math.max(0, b.s[5] + requests)
        b.s[6] = math.max(0, b.s[6] + tokens)
      end
    else
      local slot = math.floor(at / WIDTH[s])
      if slot > b.h[s] - RING and slot <= b.h[s] then
        local ri, ti = ci(s, 0, slot), ci(s, 1, slot)
        local r0, t0 = b.c[ri], b.c[ti]
        local r1, t1 = math.max(0, r0 + requests), math.max(0, t0 + tokens)
        b.s[2 * s - 1] = b.s[2 * s - 1] + r1 - r0
        b.s[2 * s] = b.s[2 * s] + t1 - t0
        b.c[ri] = r1
        b.c[ti] = t1
      end
    end
  end
end

-- A reservation leaves the in-flight counts (never below zero).
local function land(b, tokens)
  b.fr = math.max(0, b.fr - 1)
  b.ft = math.max(0, b.ft - tokens)
end

-- Usage per metric as {rpm, rph, rpd, tpm, tph, tpd}: the windows plus what is in flight.
local function used(b)
  return b.s[1] + b.fr, b.s[3] + b.fr, b.s[5] + b.fr, b.s[2] + b.ft, b.s[4] + b.ft, b.s[6] + b.ft
end

-- limits: {rpm, rph, rpd, tpm, tph, tpd}
local function fits(b, lim, tokens)
  for s = 1, 3 do
    local lr, lt = lim[s], lim[s + 3]
    if lr ~= NONE and b.s[2 * s - 1] + b.fr + 1 > lr then return false end
    if lt ~= NONE and b.s[2 * s] + b.ft + tokens > lt then return false end
  end
  return true
end

-- Earliest instant >= t at which one request of tokens fits (state included), or -1 for never.
local function admissibleAt(b, lim, tokens, t, cal)
  local at = math.max(t, b.cu, b.pu)
  for s = 1, 3 do
    local lr, lt = lim[s], lim[s + 3]
    local reqOver = lr ~= NONE and b.s[2 * s - 1] + b.fr + 1 > lr
    local tokOver = lt ~= NONE and b.s[2 * s] + b.ft + tokens > lt
    if reqOver or tokOver then
      if (lr ~= NONE and lr < 1) or (lt ~= NONE and tokens > lt) then return -1 end
      if s == 3 and cal then
        at = math.max(at, nextDayReset(cal, b.ds))
      else
        local needReq = reqOver and (b.s[2 * s - 1] + b.fr + 1 - lr) or 0
        local needTok = tokOver and (b.s[2 * s] + b.ft + tokens - lt) or 0
        local freedReq, freedTok = 0, 0
        local h = b.h[s]
        local when = -1
        for slot = h - SLOTS, h do
          freedReq = freedReq + b.c[ci(s, 0, slot)]
          freedTok = freedTok + b.c[ci(s, 1, slot)]
          -- calls in flight are taken as landing now (the earliest they can; a release wakes
          -- waiters sooner): they leave the window with the head sub-bucket
          if slot == h then
            freedReq = freedReq + b.fr
            freedTok = freedTok + b.ft
          end
          if freedReq >= needReq and freedTok >= needTok then
            when = (slot + RING) * WIDTH[s]
            break
          end
        end
        at = math.max(at, when)
      end
    end
  end
  return at
end

local function readLimits(argv, i)
  return {tonumber(argv[i]), tonumber(argv[i + 1]), tonumber(argv[i + 2]),
          tonumber(argv[i + 3]), tonumber(argv[i + 4]), tonumber(argv[i + 5])}
end

local function readCal(argv, i)
  local prev = tonumber(argv[i])
  if prev < 0 then return nil end
  return {prev, tonumber(argv[i + 1]), tonumber(argv[i + 2])}
end

local function scopeBlockedUntil(key)
  if key == nil or key == '' then return 0 end
  local v = redis.call('HMGET', key, 'cu', 'pu')
  return math.max(num(v[1]), num(v[2]))
end

-- Reservations live in one hash per instance ({prefix}:ri:<instance>): id -> bucket|at|tokens|dayPrev|dayStart|dayNext.
local function takeReservation(prefix, instance, id)
  local rkey = prefix .. ':ri:' .. instance
  local rec = redis.call('HGET', rkey, id)
  if not rec then return nil end
  redis.call('HDEL', rkey, id)
  local bucket, at, tokens, calPrev, calStart, calNext =
      string.match(rec, '^(.*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)$')
  local cal = nil
  if tonumber(calPrev) >= 0 then cal = {tonumber(calPrev), tonumber(calStart), tonumber(calNext)} end
  return {bucket = bucket, at = tonumber(at), tokens = tonumber(tokens), cal = cal}
end

-- Expires one reservation: its tokens are released, its request stays counted at the expiry
-- instant (the provider probably saw it; it was in flight until now). False when it is already gone.
local function expireOne(prefix, instance, id, now)
  local r = takeReservation(prefix, instance, id)
  if not r then return false end
  local b = load(r.bucket)
  local t = math.max(now, b.L)
  advance(b, t, r.cal)
  land(b, r.tokens)
  add(b, t, 1, 0, r.cal)
  save(b)
  return true
end

local op = ARGV[1]
local prefix = ARGV[2]

if op == 'reserve' then
  -- KEYS: bucket_1, scope_1, bucket_2, scope_2, ... (candidates in the order to try)
  -- ARGV: op, prefix, now, tokens, id, instance, (unused), stateHash, cursorKey, n,
  --       then per candidate: fingerprint, rpm, rph, rpd, tpm, tph, tpd, dayPrev, dayStart, dayNext
  -- Returns {1, candidate (1-based), admitted at, now} or {0, 0, earliest admissible (-1 never), now}.
  local now = clock(ARGV[3])
  local tokens = tonumber(ARGV[4])
  local id, instance = ARGV[5], ARGV[6]
  local stateHash, cursorKey, n = ARGV[8], ARGV[9], tonumber(ARGV[10])
  local first = 0
  if cursorKey ~= '' and n > 1 then first = (redis.call('INCR', cursorKey) - 1) % n end
  local earliest = -1
  for k = 0, n - 1 do
    local c = (first + k) % n
    local base = 11 + c * 10
    local fp = ARGV[base]
    local lim = readLimits(ARGV, base + 1)
    local cal = readCal(ARGV, base + 7)
    local bkey, skey = KEYS[2 * c + 1], KEYS[2 * c + 2]
    local disabled = stateHash ~= '' and fp ~= '' and redis.call('HEXISTS', stateHash, 'd:' .. fp) == 1
    if not disabled then
      local b = load(bkey)
      local t = math.max(now, b.L)
      local blocked = math.max(b.cu, b.pu, scopeBlockedUntil(skey))
      advance(b, t, cal)
      if t >= blocked and fits(b, lim, tokens) then
        b.fr = b.fr + 1
        b.ft = b.ft + tokens
        save(b)
        local calPrev, calStart, calNext = -1, -1, -1
        if cal then calPrev, calStart, calNext = cal[1], cal[2], cal[3] end
        redis.call('HSET', prefix .. ':ri:' .. instance, id,
            bkey .. '|' .. t .. '|' .. tokens .. '|' .. calPrev .. '|' .. calStart .. '|' .. calNext)
        local u1, u2, u3, u4, u5, u6 = used(b)
        return {1, c + 1, t, now, u1, u2, u3, u4, u5, u6, b.cu, b.pu}
      end
      b.w = t + 60000
      save(b)
      local want = admissibleAt(b, lim, tokens, t, cal)
      if want >= 0 then
        want = math.max(want, blocked)
        if earliest < 0 or want < earliest then earliest = want end
      end
    end
  end
  if n == 1 then
    -- one candidate: its usage and holds, and when a request of no tokens would fit (the pool's hint)
    local b = load(KEYS[1])
    local cal = readCal(ARGV, 18)
    local bare = admissibleAt(b, readLimits(ARGV, 12), 0, math.max(now, b.L), cal)
    if bare >= 0 then bare = math.max(bare, scopeBlockedUntil(KEYS[2])) end
    local u1, u2, u3, u4, u5, u6 = used(b)
    return {0, 0, earliest, now, u1, u2, u3, u4, u5, u6, b.cu, b.pu, bare}
  end
  return {0, 0, earliest, now}

elseif op == 'settle' then
  -- KEYS: bucket. ARGV: op, prefix, now, id, counted (0/1), actualTokens, (unused), channel, message, instance
  -- When capacity comes back to a bucket that refused someone in the last minute, the message is
  -- published so that waiters on every instance try again.
  -- The reservation's estimate is replaced by the actual tokens; a counted request moves to the
  -- settlement instant (the latest the provider can have counted it); an uncounted one is removed.
  -- Returns {1, t} or {0, now} when the reservation is unknown (settled before, or expired).
  local now = clock(ARGV[3])
  local counted = tonumber(ARGV[5]) == 1
  local actual = tonumber(ARGV[6])
  local r = takeReservation(prefix, ARGV[10], ARGV[4])
  if not r then return {0, now} end
  local b = load(r.bucket)
  local t = math.max(now, b.L)
  advance(b, t, r.cal)
  land(b, r.tokens)
  if counted or actual > 0 then add(b, t, counted and 1 or 0, actual, r.cal) end
  local wake = (not counted or actual < r.tokens) and b.w > t
  if wake then b.w = 0 end
  save(b)
  if wake and ARGV[8] ~= '' then redis.call('PUBLISH', ARGV[8], ARGV[9]) end
  local u1, u2, u3, u4, u5, u6 = used(b)
  return {1, t, u1, u2, u3, u4, u5, u6}

elseif op == 'expire' then
  -- ARGV: op, prefix, instance, id, now. An unreported lease of this instance timed out: its tokens
  -- come back, its request stays. Returns 1, or 0 when the reservation was already gone.
  if expireOne(prefix, ARGV[3], ARGV[4], clock(ARGV[5])) then return 1 end
  return 0

elseif op == 'peek' then
  -- KEYS: bucket, scope. ARGV: op, prefix, now, tokens, rpm..tpd, dayPrev, dayStart, dayNext
  -- Returns {now, admissibleAt (-1 never), rpm used, rph, rpd, tpm, tph, tpd, coolingUntil, parkedUntil, scopeBlockedUntil}
  local now = clock(ARGV[3])
  local tokens = tonumber(ARGV[4])
  local lim = readLimits(ARGV, 5)
  local cal = readCal(ARGV, 11)
  local b = load(KEYS[1])
  local t = math.max(now, b.L)
  advance(b, t, cal)
  if not b.fresh then save(b) end
  local sb = scopeBlockedUntil(KEYS[2])
  local at = admissibleAt(b, lim, tokens, t, cal)
  if at >= 0 then at = math.max(at, sb) end
  local u1, u2, u3, u4, u5, u6 = used(b)
  return {now, at, u1, u2, u3, u4, u5, u6, b.cu, b.pu, sb}

elseif op == 'record' then
  -- KEYS: bucket. ARGV: op, prefix, now, at, requests, tokens, dayPrev, dayStart, dayNext
  -- Adds usage counted at an instant (re-seeding an empty Redis, usage reported after an abandon).
  local now = clock(ARGV[3])
  local at = tonumber(ARGV[4])
  local cal = readCal(ARGV, 7)
  local b = load(KEYS[1])
  advance(b, math.max(now, at, b.L), cal)
  add(b, at, tonumber(ARGV[5]), tonumber(ARGV[6]), cal)
  save(b)
  return {now}

elseif op == 'correct' then
  -- KEYS: bucket. ARGV: op, prefix, now, span (1..3), metric (0 req, 1 tok), delta, dayPrev, dayStart, dayNext
  -- Adds delta to one metric of one window (the provider's count, from its headers, is ahead of ours).
  local now = clock(ARGV[3])
  local s, metric, delta = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
  local cal = readCal(ARGV, 7)
  local b = load(KEYS[1])
  local t = math.max(now, b.L)
  advance(b, t, cal)
  local sumIdx = 2 * s - 1 + metric
  if s == 3 and cal then
    b.s[sumIdx] = math.max(0, b.s[sumIdx] + delta)
  else
    local i = ci(s, metric, b.h[s])
    local v1 = math.max(0, b.c[i] + delta)
    b.s[sumIdx] = b.s[sumIdx] + v1 - b.c[i]
    b.c[i] = v1
  end
  save(b)
  return {now}

elseif op == 'hold' then
  -- KEYS: bucket, or a scope hash. ARGV: op, prefix, 'bucket' | 'scope', field ('cu' cooling, 'pu' parked),
  -- until, reason, channel, message. Never shortens a hold. Returns 1 when it changed.
  local field, untilAt = ARGV[4], tonumber(ARGV[5])
  if ARGV[3] == 'bucket' then
    local b = load(KEYS[1])
    if untilAt <= b[field] then return 0 end
    b[field] = untilAt
    save(b)
    redis.call('HSET', KEYS[1] .. ':why', field, ARGV[6])
  else
    local cur = num(redis.call('HGET', KEYS[1], field))
    if untilAt <= cur then return 0 end
    redis.call('HSET', KEYS[1], field, untilAt, field .. ':why', ARGV[6])
  end
  if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
  return 1

elseif op == 'unhold' then
  -- KEYS: bucket, or a scope hash. ARGV: op, prefix, 'bucket' | 'scope', channel, message. Clears both holds.
  if ARGV[3] == 'bucket' then
    local b = load(KEYS[1])
    b.cu, b.pu = 0, 0
    save(b)
  else
    redis.call('HDEL', KEYS[1], 'cu', 'pu')
  end
  if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
  return 1

elseif op == 'state' then
  -- KEYS: state hash. ARGV: op, prefix, 'set' | 'del', field, value, channel, message
  -- Key-level and model-level states (disabled key, unavailable model, overload backoff).
  if ARGV[3] == 'set' then
    redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
  else
    if redis.call('HDEL', KEYS[1], ARGV[4]) == 0 then return 0 end
  end
  if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
  return 1

elseif op == 'sweep' then
  -- ARGV: op, prefix, now, instanceTtl, channel
  -- Every reservation of an instance whose heartbeat is older than the TTL (it died holding
  -- them) expires: tokens back, requests stay counted. Returns {how many, now}.
  local now = clock(ARGV[3])
  local ttl = tonumber(ARGV[4])
  local n = 0
  local dead = redis.call('ZRANGEBYSCORE', prefix .. ':inst', '-inf', now - ttl)
  for _, inst in ipairs(dead) do
    local ids = redis.call('HKEYS', prefix .. ':ri:' .. inst)
    for _, id in ipairs(ids) do
      if expireOne(prefix, inst, id, now) then n = n + 1 end
    end
    redis.call('DEL', prefix .. ':ri:' .. inst, prefix .. ':info:' .. inst)
    redis.call('ZREM', prefix .. ':inst', inst)
  end
  if n > 0 and ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], 'freed|*|*') end
  return {n, now}

elseif op == 'heartbeat' then
  -- ARGV: op, prefix, now, instance, ttl, suspect, field, value, field, value, ...
  -- Records the instance as alive; returns {now, live instances, epoch, 1 when this call created the epoch, missing instances}.
  -- The epoch marks the dataset: when it changes (Redis restarted empty, or was flushed), instances re-seed it. A missing
  -- instance is alive (beat within the TTL) but silent for longer than `suspect`: it may be admitting locally with its share.
  local now = clock(ARGV[3])
  local inst, ttl, suspect = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
  redis.call('ZADD', prefix .. ':inst', now, inst)
  local info = {'hb', now}
  for i = 7, #ARGV, 2 do info[#info + 1] = ARGV[i]; info[#info + 1] = ARGV[i + 1] end
  redis.call('HSET', prefix .. ':info:' .. inst, unpack(info))
  local live = redis.call('ZCOUNT', prefix .. ':inst', now - ttl, '+inf')
  local missing = redis.call('ZCOUNT', prefix .. ':inst', now - ttl, string.format('(%d', now - suspect))
  local epoch = redis.call('GET', prefix .. ':epoch')
  local created = 0
  if not epoch then
    epoch = tostring(now) .. '-' .. inst
    redis.call('SET', prefix .. ':epoch', epoch)
    created = 1
  end
  return {now, live, epoch, created, missing}
end

return redis.error_reply('keycycle.lua: unknown operation ' .. tostring(op))
