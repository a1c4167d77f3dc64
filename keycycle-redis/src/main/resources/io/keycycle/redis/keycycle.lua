-- Keycycle's shared pool state: every operation that touches windows or reservations runs here,
-- atomically, in one round trip. Loaded once (SCRIPT LOAD) and called by its SHA; ARGV[1] names
-- the operation, ARGV[2] is the key prefix (with its {hash tag}: every key lives in one slot).
-- Operation 'batch' carries several operations, run one after the other in the order given, each
-- as if called alone (see the end of this file): a process sends what its threads queued while its
-- previous call was on the wire as one call.
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
-- Time: ARGV "now" < 0 means Redis TIME (the fleet's one clock, read once per script call);
-- otherwise the caller's clock (tests drive a manual clock). A bucket never goes back in time:
-- t = max(now, L).

local SLOTS = 24
local RING = SLOTS + 1
local WIDTH = {60000 / SLOTS, 3600000 / SLOTS, 86400000 / SLOTS}
local NONE = -1

local redisNow = nil
local function clock(arg)
  local n = tonumber(arg)
  if n >= 0 then return n end
  if not redisNow then
    local t = redis.call('TIME')
    redisNow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return redisNow
end

local function num(v) if v then return tonumber(v) or 0 end return 0 end

-- A bucket is one string: a header of 17 little-endian doubles, [1] the layout mark (-3.5), [2] L,
-- [3..5] heads, [6..11] sums, [12] ds, [13] cu, [14] pu, [15] w (someone was refused: wake waiters
-- when capacity comes back, until this instant), [16] fr, [17] ft (in flight); then the cells, per
-- span (minute, hour, day) 25 sub-buckets of two big-endian 64-bit integers (requests, tokens), as
-- BITFIELD i64 reads them. A call reads the header alone (GETRANGE) and writes it back (SETRANGE);
-- a settled request is added to its cells with one BITFIELD INCRBY, without reading them; a span's
-- cells are read (and written back whole) only when its ring head moves (once per sub-bucket), to
-- remove or clamp a count, or to tell when a refused request would fit. A value without the mark
-- (an older layout, or garbage) reads as empty, and is replaced whole by the first write.
local MARK = -3.5
local HBYTES = 17 * 8
local CBYTES = RING * 16
local SIZE = HBYTES + 3 * CBYTES
local HFORMAT = '<ddddddddddddddddd'
local CFORMAT = '>i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8i8'

-- Buckets read by this script call, written back once at its end (a batch touching a bucket
-- several times reads and writes it once).
local loaded, touched = {}, {}

local function load(key)
  local b = loaded[key]
  if b then return b end
  local raw = redis.call('GETRANGE', key, 0, HBYTES - 1)
  b = {key = key}
  loaded[key] = b
  if #raw == HBYTES then
    local m, L, h1, h2, h3, s1, s2, s3, s4, s5, s6, ds, cu, pu, w, fr, ft = struct.unpack(HFORMAT, raw)
    if m == MARK then
      b.L, b.h, b.s, b.ds, b.cu, b.pu, b.w, b.fr, b.ft = L, {h1, h2, h3}, {s1, s2, s3, s4, s5, s6}, ds, cu, pu, w, fr, ft
      b.fresh = false
      return b
    end
  end
  b.L, b.h, b.s, b.ds, b.cu, b.pu, b.w, b.fr, b.ft = 0, {0, 0, 0}, {0, 0, 0, 0, 0, 0}, 0, 0, 0, 0, 0, 0
  b.fresh = true
  return b
end

local function zeros()
  local c = {}
  for i = 1, 2 * RING do c[i] = 0 end
  return c
end

-- pending increments first (the stored cells must be current before they are read)
local function flush(b)
  if b.inc then
    redis.call('BITFIELD', b.key, unpack(b.inc))
    b.inc = nil
  end
end

-- the cells of span 1..3 as a table (requests of slot r at 2r+1, tokens at 2r+2), read once per call
local function cells(b, span)
  if not b.c then b.c = {} end
  local c = b.c[span]
  if c then return c end
  if b.fresh then
    c = zeros()
  else
    flush(b)
    local at = HBYTES + (span - 1) * CBYTES
    local raw = redis.call('GETRANGE', b.key, at, at + CBYTES - 1)
    if #raw == CBYTES then
      c = {struct.unpack(CFORMAT, raw)}
      c[2 * RING + 1] = nil
    else
      c = zeros()
    end
  end
  b.c[span] = c
  return c
end

-- requests and tokens of one sub-bucket (absolute slot)
local function cell(b, span, slot)
  local c = cells(b, span)
  local i = (slot % RING) * 2
  return c[i + 1], c[i + 2]
end

local function setCell(b, span, slot, r, t)
  local c = cells(b, span)
  local i = (slot % RING) * 2
  c[i + 1], c[i + 2] = r, t
  if not b.dirty then b.dirty = {} end
  b.dirty[span] = true
end

-- adds r, t >= 0 to one sub-bucket: in the table when the span was read, else by BITFIELD INCRBY at save
local function incCell(b, span, slot, r, t)
  if b.fresh or (b.c and b.c[span]) then
    local r0, t0 = cell(b, span, slot)
    setCell(b, span, slot, r0 + r, t0 + t)
    return
  end
  local bit = (HBYTES + (span - 1) * CBYTES + (slot % RING) * 16) * 8
  if not b.inc then b.inc = {} end
  local inc = b.inc
  local n = #inc
  if r ~= 0 then inc[n + 1], inc[n + 2], inc[n + 3], inc[n + 4] = 'INCRBY', 'i64', bit, r; n = n + 4 end
  if t ~= 0 then inc[n + 1], inc[n + 2], inc[n + 3], inc[n + 4] = 'INCRBY', 'i64', bit + 64, t end
end

local function header(b)
  return struct.pack(HFORMAT, MARK, b.L, b.h[1], b.h[2], b.h[3], b.s[1], b.s[2], b.s[3], b.s[4], b.s[5], b.s[6],
      b.ds, b.cu, b.pu, b.w, b.fr, b.ft)
end

-- the bucket is to be written at the end of this script call
local function save(b)
  if not b.touched then
    b.touched = true
    touched[#touched + 1] = b
  end
end

local function write(b)
  b.touched = nil
  if b.fresh then
    redis.call('SET', b.key, header(b) .. struct.pack(CFORMAT, unpack(cells(b, 1))) .. struct.pack(CFORMAT, unpack(cells(b, 2)))
        .. struct.pack(CFORMAT, unpack(cells(b, 3))))
    b.fresh = false
    b.dirty = nil
    return
  end
  redis.call('SETRANGE', b.key, 0, header(b))
  if b.dirty then
    for span = 1, 3 do
      if b.dirty[span] then
        redis.call('SETRANGE', b.key, HBYTES + (span - 1) * CBYTES, struct.pack(CFORMAT, unpack(b.c[span])))
      end
    end
    b.dirty = nil
  end
  flush(b)
end

local function writeAll()
  for i = 1, #touched do write(touched[i]) end
  touched = {}
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
        if not b.fresh then
          if not b.c then b.c = {} end
          if not b.dirty then b.dirty = {} end
          b.c[s] = zeros()
          b.dirty[s] = true
        end
        b.h[s] = cur
      elseif cur > h then
        for slot = h + 1, cur do
          local r0, t0 = cell(b, s, slot)
          b.s[2 * s - 1] = b.s[2 * s - 1] - r0
          b.s[2 * s] = b.s[2 * s] - t0
          if r0 ~= 0 or t0 ~= 0 then setCell(b, s, slot, 0, 0) end
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
        if requests >= 0 and tokens >= 0 then
          -- nothing to clamp: added without reading the cell
          b.s[2 * s - 1] = b.s[2 * s - 1] + requests
          b.s[2 * s] = b.s[2 * s] + tokens
          incCell(b, s, slot, requests, tokens)
        else
          local r0, t0 = cell(b, s, slot)
          local r1, t1 = math.max(0, r0 + requests), math.max(0, t0 + tokens)
          b.s[2 * s - 1] = b.s[2 * s - 1] + r1 - r0
          b.s[2 * s] = b.s[2 * s] + t1 - t0
          setCell(b, s, slot, r1, t1)
        end
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
          local r, tk = cell(b, s, slot)
          freedReq = freedReq + r
          freedTok = freedTok + tk
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

-- Reservations live in one hash per instance ({prefix}:ri:<instance>): id -> a record of byte 2,
-- five doubles (at, tokens, dayPrev, dayStart, dayNext; -1 for a sliding day) and the bucket key.
-- A record of another form (an older layout) is dropped and reads as unknown.
local RFORMAT = '<ddddd'
local function takeReservation(prefix, instance, id)
  local rkey = prefix .. ':ri:' .. instance
  local rec = redis.call('HGET', rkey, id)
  if not rec then return nil end
  redis.call('HDEL', rkey, id)
  if #rec < 42 or string.byte(rec, 1) ~= 2 then return nil end
  local at, tokens, calPrev, calStart, calNext = struct.unpack(RFORMAT, rec, 2)
  local cal = nil
  if calPrev >= 0 then cal = {calPrev, calStart, calNext} end
  return {bucket = string.sub(rec, 42), at = at, tokens = tokens, cal = cal}
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

-- Runs one operation (each branch documents its KEYS and ARGV); nil for an unknown one.
local function run(KEYS, ARGV)
  local op = ARGV[1]
  if op == 'reserve' then
    -- KEYS: bucket_1, scope_1, bucket_2, scope_2, ... (candidates in the order to try)
    -- ARGV: op, prefix, now, tokens, id, instance, (unused), stateHash, cursorKey, n,
    --       then per candidate: fingerprint, rpm, rph, rpd, tpm, tph, tpd, dayPrev, dayStart, dayNext
    -- Returns {1, candidate (1-based), admitted at, now} or {0, 0, earliest admissible (-1 never), now}.
    local prefix = ARGV[2]
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
              '\2' .. struct.pack(RFORMAT, t, tokens, calPrev, calStart, calNext) .. bkey)
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
    --       [, reservedTokens, dayPrev, dayStart, dayNext]
    -- When capacity comes back to a bucket that refused someone in the last minute, the message is
    -- published so that waiters on every instance try again.
    -- The reservation's estimate is replaced by the actual tokens; a counted request moves to the
    -- settlement instant (the latest the provider can have counted it); an uncounted one is removed.
    -- Returns {1, t} or {0, now} when the reservation is unknown (settled before, or expired).
    -- With ARGV[11..14] (the reserved tokens and the day boundaries, as the caller reserved them)
    -- the reservation's record is only deleted, not read.
    local now = clock(ARGV[3])
    local counted = tonumber(ARGV[5]) == 1
    local actual = tonumber(ARGV[6])
    local r
    if ARGV[11] and ARGV[11] ~= '' then
      if redis.call('HDEL', ARGV[2] .. ':ri:' .. ARGV[10], ARGV[4]) == 0 then return {0, now} end
      r = {bucket = KEYS[1], tokens = tonumber(ARGV[11]), cal = readCal(ARGV, 12)}
    else
      r = takeReservation(ARGV[2], ARGV[10], ARGV[4])
    end
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
    if expireOne(ARGV[2], ARGV[3], ARGV[4], clock(ARGV[5])) then return 1 end
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
      local r0, t0 = cell(b, s, b.h[s])
      local r1, t1 = r0, t0
      if metric == 0 then r1 = math.max(0, r0 + delta) else t1 = math.max(0, t0 + delta) end
      b.s[2 * s - 1] = b.s[2 * s - 1] + r1 - r0
      b.s[2 * s] = b.s[2 * s] + t1 - t0
      setCell(b, s, b.h[s], r1, t1)
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
    local prefix = ARGV[2]
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
    -- ARGV: op, prefix, now, instance, ttl, field, value, field, value, ...
    -- Records the instance as alive; returns {now, live instances, epoch, 1 when this call created the epoch}. The epoch marks the
    -- dataset: when it changes (Redis restarted empty, or was flushed), instances re-seed it.
    local prefix = ARGV[2]
    local now = clock(ARGV[3])
    local inst, ttl = ARGV[4], tonumber(ARGV[5])
    redis.call('ZADD', prefix .. ':inst', now, inst)
    local info = {'hb', now}
    for i = 6, #ARGV, 2 do info[#info + 1] = ARGV[i]; info[#info + 1] = ARGV[i + 1] end
    redis.call('HSET', prefix .. ':info:' .. inst, unpack(info))
    local live = redis.call('ZCOUNT', prefix .. ':inst', now - ttl, '+inf')
    local epoch = redis.call('GET', prefix .. ':epoch')
    local created = 0
    if not epoch then
      epoch = tostring(now) .. '-' .. inst
      redis.call('SET', prefix .. ':epoch', epoch)
      created = 1
    end
    return {now, live, epoch, created}
  end
  return nil
end

local op = ARGV[1]

if op == 'batch' then
  -- ARGV: 'batch', prefix, count, then per operation: its number of keys, its number of arguments,
  -- its arguments (as when called alone, operation first). KEYS: every operation's keys, in order.
  -- Returns one answer per operation, in order: what the operation answers alone, or a string
  -- (an error) for one that failed; a failed operation does not stop the others.
  local out = {}
  local ai, ki = 4, 1
  for i = 1, tonumber(ARGV[3]) do
    local nk, na = tonumber(ARGV[ai]), tonumber(ARGV[ai + 1])
    local k = {}
    for j = 1, nk do k[j] = KEYS[ki + j - 1] end
    local a = {}
    for j = 1, na do a[j] = ARGV[ai + 1 + j] end
    ki = ki + nk
    ai = ai + 2 + na
    -- (an operation that fails half-way leaves what it changed, as a failed call always did)
    local ok, r = pcall(run, k, a)
    if not ok then
      out[i] = 'ERR ' .. tostring(type(r) == 'table' and r.err or r)
    elseif r == nil then
      out[i] = 'ERR keycycle.lua: unknown operation ' .. tostring(a[1])
    else
      out[i] = r
    end
  end
  writeAll()
  return out
end

local r = run(KEYS, ARGV)
writeAll()
if r == nil then return redis.error_reply('keycycle.lua: unknown operation ' .. tostring(op)) end
return r
