-- Keycycle's shared pool state: every operation that touches windows or reservations runs here,
-- atomically, in one round trip. Loaded once (SCRIPT LOAD) and called by its SHA; ARGV[1] names
-- the operation, ARGV[2] is the key prefix (with its {hash tag}: every key lives in one slot).
--
-- A bucket is a hash: L (latest instant it was advanced to), h1..h3 (head sub-bucket per span),
-- s1..s6 (running sums: span1 req, span1 tok, span2 req, ...), c<span><r|t><ring index> (cells),
-- ds (start of the current calendar day, calendar buckets only), cu/cr (cooling until, reason),
-- pu/pr (parked until, reason). The semantics are those of QuotaBucket: 24 + 1 sub-buckets of
-- width window/24, the one straddling the window's start is kept (a superset of the exact window:
-- may refuse up to one sub-bucket early, never admits past a limit), counts never negative.
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

-- A loaded bucket: scalar fields in b, dirty cells in b.set (field -> value), cells to delete in b.del.
local function load(key)
  local v = redis.call('HMGET', key, 'L', 'h1', 'h2', 'h3', 's1', 's2', 's3', 's4', 's5', 's6', 'ds', 'cu', 'pu')
  local b = {key = key, L = num(v[1]), h = {num(v[2]), num(v[3]), num(v[4])},
             s = {num(v[5]), num(v[6]), num(v[7]), num(v[8]), num(v[9]), num(v[10])},
             ds = num(v[11]), cu = num(v[12]), pu = num(v[13]), cells = {}, dirty = {}, fresh = (v[1] == false)}
  return b
end

local function cellName(span, metric, slot)
  return 'c' .. span .. (metric == 0 and 'r' or 't') .. (slot % RING)
end

local function cell(b, name)
  local c = b.cells[name]
  if c == nil then
    c = num(redis.call('HGET', b.key, name))
    b.cells[name] = c
  end
  return c
end

local function setCell(b, name, value)
  b.cells[name] = value
  b.dirty[name] = true
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
      if cur > h and (b.fresh or h == 0 or cur - h >= RING) then
        -- a new bucket, or one idle for a whole window: every cell is empty now
        b.s[2 * s - 1] = 0
        b.s[2 * s] = 0
        if not b.fresh then
          for r = 0, RING - 1 do
            setCell(b, cellName(s, 0, r), 0)
            setCell(b, cellName(s, 1, r), 0)
          end
        end
        b.h[s] = cur
      elseif cur > h then
        local steps = cur - h
        for k = 1, steps do
          local slot = cur - steps + k
          local rn, tn = cellName(s, 0, slot), cellName(s, 1, slot)
          b.s[2 * s - 1] = b.s[2 * s - 1] - cell(b, rn)
          b.s[2 * s] = b.s[2 * s] - cell(b, tn)
          setCell(b, rn, 0)
          setCell(b, tn, 0)
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
        local rn, tn = cellName(s, 0, slot), cellName(s, 1, slot)
        local r0, t0 = cell(b, rn), cell(b, tn)
        local r1, t1 = math.max(0, r0 + requests), math.max(0, t0 + tokens)
        b.s[2 * s - 1] = b.s[2 * s - 1] + r1 - r0
        b.s[2 * s] = b.s[2 * s] + t1 - t0
        setCell(b, rn, r1)
        setCell(b, tn, t1)
      end
    end
  end
end

local function save(b)
  local set = {'L', b.L, 'h1', b.h[1], 'h2', b.h[2], 'h3', b.h[3],
               's1', b.s[1], 's2', b.s[2], 's3', b.s[3], 's4', b.s[4], 's5', b.s[5], 's6', b.s[6], 'ds', b.ds}
  local del = {}
  for name, _ in pairs(b.dirty) do
    local v = b.cells[name]
    if v == 0 then del[#del + 1] = name else set[#set + 1] = name; set[#set + 1] = v end
  end
  redis.call('HSET', b.key, unpack(set))
  if #del > 0 then redis.call('HDEL', b.key, unpack(del)) end
end

-- limits: {rpm, rph, rpd, tpm, tph, tpd}
local function fits(b, lim, tokens)
  for s = 1, 3 do
    local lr, lt = lim[s], lim[s + 3]
    if lr ~= NONE and b.s[2 * s - 1] + 1 > lr then return false end
    if lt ~= NONE and b.s[2 * s] + tokens > lt then return false end
  end
  return true
end

-- Earliest instant >= t at which one request of tokens fits (state included), or -1 for never.
local function admissibleAt(b, lim, tokens, t, cal)
  local at = math.max(t, b.cu, b.pu)
  for s = 1, 3 do
    local lr, lt = lim[s], lim[s + 3]
    local reqOver = lr ~= NONE and b.s[2 * s - 1] + 1 > lr
    local tokOver = lt ~= NONE and b.s[2 * s] + tokens > lt
    if reqOver or tokOver then
      if (lr ~= NONE and lr < 1) or (lt ~= NONE and tokens > lt) then return -1 end
      if s == 3 and cal then
        at = math.max(at, nextDayReset(cal, b.ds))
      else
        local needReq = reqOver and (b.s[2 * s - 1] + 1 - lr) or 0
        local needTok = tokOver and (b.s[2 * s] + tokens - lt) or 0
        local freedReq, freedTok = 0, 0
        local h = b.h[s]
        local when = -1
        for slot = h - SLOTS, h do
          freedReq = freedReq + cell(b, cellName(s, 0, slot))
          freedTok = freedTok + cell(b, cellName(s, 1, slot))
          if freedReq >= needReq and freedTok >= needTok then
            when = (slot + RING) * WIDTH[s]
            break
          end
        end
        if when < 0 then return -1 end
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

-- Expires one reservation: its tokens are released, its request stays counted (the provider
-- probably saw it). Returns the bucket key, or nil when the reservation is already gone.
local function expireOne(prefix, id)
  local rec = redis.call('HGET', prefix .. ':res', id)
  redis.call('ZREM', prefix .. ':exp', id)
  if not rec then return nil end
  redis.call('HDEL', prefix .. ':res', id)
  local bucket, at, tokens, instance, calPrev, calStart, calNext =
      string.match(rec, '^(.*)|(%-?%d+)|(%-?%d+)|([^|]*)|(%-?%d+)|(%-?%d+)|(%-?%d+)$')
  redis.call('SREM', prefix .. ':ri:' .. instance, id)
  local cal = nil
  if tonumber(calPrev) >= 0 then cal = {tonumber(calPrev), tonumber(calStart), tonumber(calNext)} end
  local b = load(bucket)
  add(b, tonumber(at), 0, -tonumber(tokens), cal)
  save(b)
  return bucket
end

local op = ARGV[1]
local prefix = ARGV[2]

if op == 'reserve' then
  -- KEYS: bucket_1, scope_1, bucket_2, scope_2, ... (candidates in the order to try)
  -- ARGV: op, prefix, now, tokens, id, instance, expiresIn, stateHash, cursorKey, n,
  --       then per candidate: fingerprint, rpm, rph, rpd, tpm, tph, tpd, dayPrev, dayStart, dayNext
  local now = clock(ARGV[3])
  local tokens = tonumber(ARGV[4])
  local id, instance, expiresIn = ARGV[5], ARGV[6], tonumber(ARGV[7])
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
    local disabled = stateHash ~= '' and redis.call('HEXISTS', stateHash, 'd:' .. fp) == 1
    if not disabled then
      local b = load(bkey)
      local t = math.max(now, b.L)
      local blocked = math.max(b.cu, b.pu, scopeBlockedUntil(skey))
      if t >= blocked then
        advance(b, t, cal)
        if fits(b, lim, tokens) then
          add(b, t, 1, tokens, cal)
          save(b)
          local calPrev, calStart, calNext = -1, -1, -1
          if cal then calPrev, calStart, calNext = cal[1], cal[2], cal[3] end
          redis.call('HSET', prefix .. ':res', id,
              bkey .. '|' .. t .. '|' .. tokens .. '|' .. instance .. '|' .. calPrev .. '|' .. calStart .. '|' .. calNext)
          redis.call('ZADD', prefix .. ':exp', t + expiresIn, id)
          redis.call('SADD', prefix .. ':ri:' .. instance, id)
          return {1, c + 1, t, now}
        end
        save(b)
        local want = admissibleAt(b, lim, tokens, t, cal)
        if want >= 0 then
          want = math.max(want, blocked)
          if earliest < 0 or want < earliest then earliest = want end
        end
      else
        local want = blocked
        local ab = admissibleAt(b, lim, tokens, t, cal)
        if ab < 0 then want = -1 elseif ab > want then want = ab end
        if want >= 0 and (earliest < 0 or want < earliest) then earliest = want end
      end
    end
  end
  return {0, 0, earliest, now}

elseif op == 'settle' then
  -- KEYS: bucket. ARGV: op, prefix, now, id, counted (0/1), actualTokens, waitersKey, channel, message
  -- The reservation's estimate is replaced by the actual tokens; a counted request moves to the
  -- settlement instant (the latest the provider can have counted it); an uncounted one is removed.
  -- Returns {1, t} or {0, now} when the reservation is unknown (settled before, or expired).
  local now = clock(ARGV[3])
  local id = ARGV[4]
  local counted = tonumber(ARGV[5]) == 1
  local actual = tonumber(ARGV[6])
  local rec = redis.call('HGET', prefix .. ':res', id)
  if not rec then return {0, now} end
  local bucket, at, tokens, instance, calPrev, calStart, calNext =
      string.match(rec, '^(.*)|(%-?%d+)|(%-?%d+)|([^|]*)|(%-?%d+)|(%-?%d+)|(%-?%d+)$')
  redis.call('HDEL', prefix .. ':res', id)
  redis.call('ZREM', prefix .. ':exp', id)
  redis.call('SREM', prefix .. ':ri:' .. instance, id)
  local cal = nil
  if tonumber(calPrev) >= 0 then cal = {tonumber(calPrev), tonumber(calStart), tonumber(calNext)} end
  local reserved = tonumber(tokens)
  local b = load(bucket)
  local t = math.max(now, b.L)
  advance(b, t, cal)
  add(b, tonumber(at), -1, -reserved, cal)
  if counted or actual > 0 then add(b, t, counted and 1 or 0, actual, cal) end
  save(b)
  if (not counted or actual < reserved) and ARGV[7] ~= '' then
    if num(redis.call('GET', ARGV[7])) > 0 then redis.call('PUBLISH', ARGV[8], ARGV[9]) end
  end
  return {1, t}

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
  return {now, at, b.s[1], b.s[3], b.s[5], b.s[2], b.s[4], b.s[6], b.cu, b.pu, sb}

elseif op == 'record' then
  -- KEYS: bucket. ARGV: op, prefix, now, at, requests, tokens, dayPrev, dayStart, dayNext
  -- Replays usage counted at an instant (re-seeding an empty Redis from an instance's own books).
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
    local name = cellName(s, metric, b.h[s])
    local v0 = cell(b, name)
    local v1 = math.max(0, v0 + delta)
    b.s[sumIdx] = b.s[sumIdx] + v1 - v0
    setCell(b, name, v1)
  end
  save(b)
  return {now}

elseif op == 'hold' then
  -- KEYS: bucket or scope hash. ARGV: op, prefix, field ('cu' cooling or 'pu' parked), until, reason, channel, message
  -- Never shortens a hold. Returns 1 when it changed.
  local field, untilAt = ARGV[3], tonumber(ARGV[4])
  local cur = num(redis.call('HGET', KEYS[1], field))
  if untilAt <= cur then return 0 end
  redis.call('HSET', KEYS[1], field, untilAt, field == 'cu' and 'cr' or 'pr', ARGV[5])
  if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
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
  -- ARGV: op, prefix, now, heartbeatTtl, max, channel
  -- Expires reservations past their lease and every reservation of an instance whose heartbeat is
  -- older than the TTL (it died holding them). Returns how many expired.
  local now = clock(ARGV[3])
  local ttl, max = tonumber(ARGV[4]), tonumber(ARGV[5])
  local n = 0
  local dead = redis.call('ZRANGEBYSCORE', prefix .. ':inst', '-inf', now - ttl)
  for _, inst in ipairs(dead) do
    local ids = redis.call('SMEMBERS', prefix .. ':ri:' .. inst)
    for _, id in ipairs(ids) do
      if expireOne(prefix, id) then n = n + 1 end
    end
    redis.call('DEL', prefix .. ':ri:' .. inst, prefix .. ':info:' .. inst)
    redis.call('ZREM', prefix .. ':inst', inst)
  end
  local due = redis.call('ZRANGEBYSCORE', prefix .. ':exp', '-inf', now, 'LIMIT', 0, max)
  for _, id in ipairs(due) do
    if expireOne(prefix, id) then n = n + 1 end
  end
  if n > 0 and ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], 'freed|*|*') end
  return {n, now}

elseif op == 'heartbeat' then
  -- ARGV: op, prefix, now, instance, ttl, field, value, field, value, ...
  -- Records the instance as alive and returns {now, live instances, epoch}. The epoch is a
  -- random-free marker set once per Redis dataset: when it disappears (Redis restarted empty),
  -- instances re-seed their state.
  local now = clock(ARGV[3])
  local inst, ttl = ARGV[4], tonumber(ARGV[5])
  redis.call('ZADD', prefix .. ':inst', now, inst)
  local info = {'hb', now}
  for i = 6, #ARGV, 2 do info[#info + 1] = ARGV[i]; info[#info + 1] = ARGV[i + 1] end
  redis.call('HSET', prefix .. ':info:' .. inst, unpack(info))
  local live = redis.call('ZCOUNT', prefix .. ':inst', now - ttl, '+inf')
  local epoch = redis.call('GET', prefix .. ':epoch')
  if not epoch then
    epoch = tostring(now)
    redis.call('SET', prefix .. ':epoch', epoch)
  end
  return {now, live, epoch}
end

return redis.error_reply('keycycle.lua: unknown operation ' .. tostring(op))
