-- Keycycle's shared pool state: every operation that touches windows or reservations runs here,
-- atomically, in one round trip. Loaded once as a Redis function library (FUNCTION LOAD, called with
-- FCALL) or, where functions are not available, as a script (SCRIPT LOAD, called by its SHA); ARGV[1] names
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

-- Redis TIME is read once per script call.
local NOW = nil

local function clock(arg)
  local n = tonumber(arg)
  if n >= 0 then return n end
  if NOW then return NOW end
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return NOW
end

local function num(v) if v then return tonumber(v) or 0 end return 0 end

-- Bucket layout 4 (keys {prefix}:w4:...; docs/cluster.md): one string, a header of 22
-- little-endian doubles followed by the ring of 150 cells.
-- Header: [1] L, [2..4] heads, [5..10] sums, [11] ds, [12] cu, [13] pu, [14] w (someone was
-- refused: wake waiters when capacity comes back, until this instant), [15] fr, [16] ft (in
-- flight), [17..22] the head sub-bucket's cells per span (requests, tokens). The sums include the
-- head cells, so checking and reserving (and settling into the head sub-bucket) read and write the
-- 176-byte header alone (GETRANGE/SETRANGE): O(1) per call. The ring (span, metric, slot % 25)
-- is read only when a head moves (once per sub-bucket width: 2.5 s, 150 s, 1 h), for usage
-- recorded in an older sub-bucket, and to compute when a refused request would fit. The ring cell
-- of the head slot is always 0 while it is the head (its value is in the header); when the head
-- moves, the header's cells are written into it. A header of another length reads as empty.
local LAYOUT = '4'
local H = 22
local HBYTES = H * 8
local HFMT = '<dddddddddddddddddddddd'
local CELLS = 150
local CBYTES = CELLS * 8
local CFMT = '<dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd'

-- Buckets read during this script call, written back once at its end (flush): an operation that
-- touches a bucket several times reads and writes it once.
local CACHE = {}
local DIRTY = {}

local function load(key)
  local cached = CACHE[key]
  if cached then return cached end
  local raw = redis.call('GETRANGE', key, 0, HBYTES - 1)
  local b = {key = key}
  CACHE[key] = b
  if #raw == HBYTES then
    local v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19, v20, v21, v22 =
        struct.unpack(HFMT, raw)
    b.L, b.h, b.s = v1, {v2, v3, v4}, {v5, v6, v7, v8, v9, v10}
    b.ds, b.cu, b.pu, b.w, b.fr, b.ft = v11, v12, v13, v14, v15, v16
    b.hc = {v17, v18, v19, v20, v21, v22}
    b.fresh = false
  else
    b.L, b.h, b.s = 0, {0, 0, 0}, {0, 0, 0, 0, 0, 0}
    b.ds, b.cu, b.pu, b.w, b.fr, b.ft = 0, 0, 0, 0, 0, 0
    b.hc = {0, 0, 0, 0, 0, 0}
    b.fresh = true
  end
  return b
end

-- The ring's 150 cells, read once per call when needed (zeros for a new bucket).
local function ring(b)
  if b.c then return b.c end
  local c
  local raw = (not b.fresh) and redis.call('GETRANGE', b.key, HBYTES, HBYTES + CBYTES - 1) or ''
  if #raw == CBYTES then
    c = {struct.unpack(CFMT, raw)}
    c[CELLS + 1] = nil -- struct.unpack's last value is the next position
  else
    c = {}
    for i = 1, CELLS do c[i] = 0 end
  end
  b.c = c
  return c
end

local function packHeader(b)
  return struct.pack(HFMT, b.L, b.h[1], b.h[2], b.h[3], b.s[1], b.s[2], b.s[3], b.s[4], b.s[5], b.s[6],
      b.ds, b.cu, b.pu, b.w, b.fr, b.ft, b.hc[1], b.hc[2], b.hc[3], b.hc[4], b.hc[5], b.hc[6])
end

-- How long a bucket lives on without news: its usage leaves the day window (25 sub-buckets of an
-- hour) within 25 h, plus an hour; a hold that ends later keeps it until an IDLE after the hold.
-- Set when the ring is written (a new bucket, a head that moved: at most once per 2.5 s) and by a
-- hold (b.ttl), so Redis drops the buckets nobody uses any more (a key taken out, a model gone).
local IDLE = 26 * 3600000

local function lifetime(b)
  local held = math.max(b.cu, b.pu)
  local ttl = IDLE
  if b.L > 0 and held > b.L then ttl = IDLE + (held - b.L) end
  if b.ttl and b.ttl > ttl then ttl = b.ttl end
  return math.floor(ttl)
end

local function write(b)
  if b.fresh or b.cdirty then
    -- header and ring together (a new bucket is written whole)
    local c = ring(b)
    redis.call('SETRANGE', b.key, 0, packHeader(b) .. struct.pack(CFMT, unpack(c, 1, CELLS)))
    b.fresh = false
    b.cdirty = false
    redis.call('PEXPIRE', b.key, lifetime(b))
  else
    redis.call('SETRANGE', b.key, 0, packHeader(b))
    if b.ttl then redis.call('PEXPIRE', b.key, lifetime(b)) end
  end
end

-- A hold's key lives until an IDLE after the hold ends (untilAt on Redis's clock; an instant of a
-- caller's own clock, in tests, reads as already over).
local function holdLifetime(untilAt)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return math.floor(IDLE + math.max(0, untilAt - now))
end

local function save(b)
  if not b.dirty then
    b.dirty = true
    DIRTY[#DIRTY + 1] = b
  end
end

local function flush()
  for i = 1, #DIRTY do write(DIRTY[i]) end
  DIRTY = {}
end

-- index of a cell in the ring: span 1..3, metric 0 (requests) or 1 (tokens), absolute sub-bucket slot
local function ci(span, metric, slot)
  return ((span - 1) * 2 + metric) * RING + (slot % RING) + 1
end

-- A cell's value: the header's for the head slot, the ring's otherwise.
local function cell(b, span, metric, slot)
  if slot == b.h[span] then return b.hc[2 * span - 1 + metric] end
  return ring(b)[ci(span, metric, slot)]
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
      if cur > h then
        local c = ring(b)
        if h == 0 or cur - h >= RING then
          -- a new bucket, or one idle for a whole window: every cell is empty now
          b.s[2 * s - 1] = 0
          b.s[2 * s] = 0
          for r = 0, RING - 1 do
            c[ci(s, 0, r)] = 0
            c[ci(s, 1, r)] = 0
          end
        else
          -- the head's cells go to the ring; the sub-buckets the head enters leave the window
          c[ci(s, 0, h)] = b.hc[2 * s - 1]
          c[ci(s, 1, h)] = b.hc[2 * s]
          for slot = h + 1, cur do
            local ri, ti = ci(s, 0, slot), ci(s, 1, slot)
            b.s[2 * s - 1] = b.s[2 * s - 1] - c[ri]
            b.s[2 * s] = b.s[2 * s] - c[ti]
            c[ri] = 0
            c[ti] = 0
          end
        end
        b.hc[2 * s - 1] = 0
        b.hc[2 * s] = 0
        b.h[s] = cur
        b.cdirty = true
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
      local h = b.h[s]
      if slot == h then
        local r0, t0 = b.hc[2 * s - 1], b.hc[2 * s]
        local r1, t1 = math.max(0, r0 + requests), math.max(0, t0 + tokens)
        b.s[2 * s - 1] = b.s[2 * s - 1] + r1 - r0
        b.s[2 * s] = b.s[2 * s] + t1 - t0
        b.hc[2 * s - 1] = r1
        b.hc[2 * s] = t1
      elseif slot > h - RING and slot < h then
        local c = ring(b)
        local ri, ti = ci(s, 0, slot), ci(s, 1, slot)
        local r0, t0 = c[ri], c[ti]
        local r1, t1 = math.max(0, r0 + requests), math.max(0, t0 + tokens)
        b.s[2 * s - 1] = b.s[2 * s - 1] + r1 - r0
        b.s[2 * s] = b.s[2 * s] + t1 - t0
        c[ri] = r1
        c[ti] = t1
        b.cdirty = true
      end
    end
  end
end

-- A reservation of count requests (1, or a block) leaves the in-flight counts (never below zero).
local function land(b, tokens, count)
  b.fr = math.max(0, b.fr - count)
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

-- How many requests of tokens each, up to want (>= 2), a block may take given that one fits: at
-- most a 1/share part of what every limited window has left, at least one.
local function grant(b, lim, tokens, want, share)
  local m = want
  for s = 1, 3 do
    local lr, lt = lim[s], lim[s + 3]
    if lr ~= NONE then m = math.min(m, math.floor((lr - b.s[2 * s - 1] - b.fr) / share)) end
    if lt ~= NONE and tokens > 0 then m = math.min(m, math.floor((lt - b.s[2 * s] - b.ft) / tokens / share)) end
  end
  return math.max(1, m)
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
          freedReq = freedReq + cell(b, s, 0, slot)
          freedTok = freedTok + cell(b, s, 1, slot)
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

-- Reservations live in one hash per instance ({prefix}:ri:<instance>):
-- id -> bucket|at|tokens|dayPrev|dayStart|dayNext|count (count: requests held, 1 or a block's size;
-- a record without it holds one). An instant written negative, -at, marks a reservation its
-- provider keeps whatever the call used (see reserve); the mark sits in a field earlier versions
-- parse as a number and never use, so a fleet of both versions still reads every record.
local function takeReservation(prefix, instance, id)
  local rkey = prefix .. ':ri:' .. instance
  local rec = redis.call('HGET', rkey, id)
  if not rec then return nil end
  redis.call('HDEL', rkey, id)
  local bucket, at, tokens, calPrev, calStart, calNext, count =
      string.match(rec, '^(.*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%d+)$')
  if not bucket then
    bucket, at, tokens, calPrev, calStart, calNext =
        string.match(rec, '^(.*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)$')
    count = 1
  end
  local cal = nil
  if tonumber(calPrev) >= 0 then cal = {tonumber(calPrev), tonumber(calStart), tonumber(calNext)} end
  local kept = string.sub(at, 1, 1) == '-'
  return {bucket = bucket, at = math.abs(tonumber(at)), tokens = tonumber(tokens), cal = cal, count = tonumber(count), kept = kept}
end

-- Expires one reservation: its requests stay counted at the expiry instant (the provider probably
-- saw them; they were in flight until now; the unused part of a block is counted too: nobody can
-- tell it apart any more). Its tokens are released, unless its provider keeps what it reserved at
-- arrival (a record marked kept: Cerebras charged prompt + completion ceiling whatever the call used),
-- when they stay counted with the requests. False when it is already gone.
local function expireOne(prefix, instance, id, now)
  local r = takeReservation(prefix, instance, id)
  if not r then return false end
  local b = load(r.bucket)
  local t = math.max(now, b.L)
  advance(b, t, r.cal)
  land(b, r.tokens, r.count)
  add(b, t, r.count, r.kept and r.tokens or 0, r.cal)
  save(b)
  return true
end

-- One operation: KEYS and ARGV as when the operation is the whole call (ARGV[1] names it).
local function run(KEYS, ARGV)
  local op = ARGV[1]
  local prefix = ARGV[2]
  if op == 'reserve' then
    -- KEYS: bucket_1, scope_1, bucket_2, scope_2, ... (candidates in the order to try)
    -- ARGV: op, prefix, now, tokens, id, instance, block, stateHash, cursorKey, n,
    --       then per candidate: fingerprint, rpm, rph, rpd, tpm, tph, tpd, dayPrev, dayStart, dayNext,
    --       then keep: 'k' when the provider keeps what it reserves at arrival (Cerebras), so that the
    --       reservation stays charged with its tokens should it expire unsettled (the record is marked,
    --       see takeReservation); absent or '' otherwise
    -- block: '' for one request, or 'want:share' for a block of up to want requests of tokens each,
    -- at most 1/share of what every window has left (at least one when one fits).
    -- Returns {1, candidate (1-based), admitted at, now, used..., cu, pu, granted} or
    -- {0, 0, earliest admissible (-1 never), now, ...}.
    local now = clock(ARGV[3])
    local tokens = tonumber(ARGV[4])
    local id, instance = ARGV[5], ARGV[6]
    local want, share = 1, 1
    if ARGV[7] ~= '' then
      local w, sh = string.match(ARGV[7], '^(%d+):(%d+)$')
      want, share = tonumber(w), math.max(1, tonumber(sh))
    end
    local stateHash, cursorKey, n = ARGV[8], ARGV[9], tonumber(ARGV[10])
    local mark = ''
    if ARGV[11 + n * 10] == 'k' then mark = '-' end
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
          local m = 1
          if want > 1 then m = grant(b, lim, tokens, want, share) end
          b.fr = b.fr + m
          b.ft = b.ft + m * tokens
          save(b)
          local calPrev, calStart, calNext = -1, -1, -1
          if cal then calPrev, calStart, calNext = cal[1], cal[2], cal[3] end
          redis.call('HSET', prefix .. ':ri:' .. instance, id,
              bkey .. '|' .. mark .. t .. '|' .. (m * tokens) .. '|' .. calPrev .. '|' .. calStart .. '|' .. calNext .. '|' .. m)
          local u1, u2, u3, u4, u5, u6 = used(b)
          return {1, c + 1, t, now, u1, u2, u3, u4, u5, u6, b.cu, b.pu, m}
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
    -- KEYS: bucket. ARGV: op, prefix, now, id, counted (requests the provider counted: 0 or 1, up to
    -- the size of a block), actualTokens, reservedTokens (-1: unknown), channel, message, instance,
    -- dayPrev, dayStart, dayNext, reservedCount (requests the reservation holds; absent: 1),
    -- keep, keepTokens (a block: requests still in flight and their tokens stay reserved under the
    -- same id; absent: 0), countedAt (a block: the instant its counted requests settled, within
    -- the sub-bucket they settled in; absent or -1: now), kept ('k': the part kept reserved is
    -- marked as reserve marks it, see there; absent: not marked)
    -- When capacity comes back to a bucket that refused someone in the last minute, the message is
    -- published so that waiters on every instance try again.
    -- The reservation's estimate is replaced by the actual tokens; a counted request moves to the
    -- settlement instant (the latest the provider can have counted it); an uncounted one is removed.
    -- With the reserved tokens known (the pool's leases), the reservation record is only deleted
    -- (its deletion says whether it was still open); otherwise it is read for them.
    -- Returns {1, t, used...} or {0, now} when the reservation is unknown (settled before, or expired).
    local now = clock(ARGV[3])
    local counted = tonumber(ARGV[5])
    local actual = tonumber(ARGV[6])
    local reserved = tonumber(ARGV[7])
    local r
    if reserved >= 0 then
      if redis.call('HDEL', prefix .. ':ri:' .. ARGV[10], ARGV[4]) == 0 then return {0, now} end
      r = {bucket = KEYS[1], tokens = reserved, cal = readCal(ARGV, 11), count = tonumber(ARGV[14] or '1')}
    else
      r = takeReservation(prefix, ARGV[10], ARGV[4])
      if not r then return {0, now} end
    end
    local b = load(r.bucket)
    local t = math.max(now, b.L)
    advance(b, t, r.cal)
    land(b, r.tokens, r.count)
    local keep = math.min(tonumber(ARGV[15] or '0'), r.count)
    local keepTokens = math.min(tonumber(ARGV[16] or '0'), r.tokens)
    counted = math.min(counted, r.count - keep)
    local at = tonumber(ARGV[17] or '-1')
    if at < 0 or at > t then at = t end
    if counted > 0 or actual > 0 then add(b, at, counted, actual, r.cal) end
    if keep > 0 then
      b.fr = b.fr + keep
      b.ft = b.ft + keepTokens
      local calPrev, calStart, calNext = -1, -1, -1
      if r.cal then calPrev, calStart, calNext = r.cal[1], r.cal[2], r.cal[3] end
      local mark = ''
      if ARGV[18] == 'k' then mark = '-' end
      redis.call('HSET', prefix .. ':ri:' .. ARGV[10], ARGV[4],
          r.bucket .. '|' .. mark .. t .. '|' .. keepTokens .. '|' .. calPrev .. '|' .. calStart .. '|' .. calNext .. '|' .. keep)
    end
    local wake = (counted + keep < r.count or actual + keepTokens < r.tokens) and b.w > t
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
      local v0 = b.hc[sumIdx]
      local v1 = math.max(0, v0 + delta)
      b.s[sumIdx] = b.s[sumIdx] + v1 - v0
      b.hc[sumIdx] = v1
    end
    save(b)
    return {now}

  elseif op == 'catchup' then
    -- KEYS: bucket. ARGV: op, prefix, now, span (1..3), metric (0 req, 1 tok), providerUsed, dayPrev, dayStart, dayNext
    -- The provider's headers say providerUsed of this window is used: when the window (in flight
    -- included) counts less, the difference is added, as 'correct' adds it. Read and raised in one
    -- step, so instances that read the same headers do not each add the difference.
    -- Returns {now, what was added}.
    local now = clock(ARGV[3])
    local s, metric, target = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
    local cal = readCal(ARGV, 7)
    local b = load(KEYS[1])
    local t = math.max(now, b.L)
    advance(b, t, cal)
    local sumIdx = 2 * s - 1 + metric
    local inFlight = b.fr
    if metric == 1 then inFlight = b.ft end
    local delta = target - (b.s[sumIdx] + inFlight)
    if delta <= 0 then
      if not b.fresh then save(b) end
      return {now, 0}
    end
    b.s[sumIdx] = b.s[sumIdx] + delta
    -- in the head sub-bucket, as 'correct' adds (a calendar day has no sub-buckets)
    if not (s == 3 and cal) then b.hc[sumIdx] = b.hc[sumIdx] + delta end
    save(b)
    return {now, delta}

  elseif op == 'hold' then
    -- KEYS: bucket, or a scope hash. ARGV: op, prefix, 'bucket' | 'scope', field ('cu' cooling, 'pu' parked),
    -- until, reason, channel, message. Never shortens a hold. Returns 1 when it changed.
    local field, untilAt = ARGV[4], tonumber(ARGV[5])
    if ARGV[3] == 'bucket' then
      local b = load(KEYS[1])
      if untilAt <= b[field] then return 0 end
      b[field] = untilAt
      b.ttl = holdLifetime(math.max(b.cu, b.pu))
      save(b)
      redis.call('HSET', KEYS[1] .. ':why', field, ARGV[6])
      redis.call('PEXPIRE', KEYS[1] .. ':why', b.ttl)
    else
      local cur = num(redis.call('HGET', KEYS[1], field))
      if untilAt <= cur then return 0 end
      redis.call('HSET', KEYS[1], field, untilAt, field .. ':why', ARGV[6])
      local v = redis.call('HMGET', KEYS[1], 'cu', 'pu')
      redis.call('PEXPIRE', KEYS[1], holdLifetime(math.max(num(v[1]), num(v[2]))))
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
    -- them) expires: tokens back (kept where the provider keeps them), requests stay counted.
    -- Returns {how many, now}.
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

  elseif op == 'restart' then
    -- ARGV: op, prefix, now, instance, channel. An instance starting under an id that may have been
    -- used by a run that ended without leaving (killed, crashed; a container restarted in place keeps
    -- its host name and pid): that run's reservations expire as a dead instance's do (see sweep),
    -- before the new run makes any. Returns {how many, that run's last
    -- heartbeat (-1: none), now}.
    local now = clock(ARGV[3])
    local inst = ARGV[4]
    local n = 0
    for _, id in ipairs(redis.call('HKEYS', prefix .. ':ri:' .. inst)) do
      if expireOne(prefix, inst, id, now) then n = n + 1 end
    end
    local last = redis.call('ZSCORE', prefix .. ':inst', inst)
    if n > 0 and ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], 'freed|*|*') end
    return {n, last and math.floor(tonumber(last)) or -1, now}

  elseif op == 'heartbeat' then
    -- ARGV: op, prefix, now, instance, ttl, suspect, field, value, field, value, ...
    -- Records the instance as alive; returns {now, live instances, epoch, 1 when this call created the epoch, foreign
    -- instances, missing instances, the run field its info held before this beat ('' for none)}. The epoch marks the dataset: when it changes (Redis restarted empty, or was flushed),
    -- instances re-seed it. A missing instance is alive (beat within the TTL) but silent for longer than `suspect`: it may
    -- be admitting locally with its share.
    local now = clock(ARGV[3])
    local inst, ttl, suspect = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
    redis.call('ZADD', prefix .. ':inst', now, inst)
    -- the run that beat last under this id: another than the caller's, once the caller has beaten,
    -- means a second live process uses the same instance id
    local prevRun = redis.call('HGET', prefix .. ':info:' .. inst, 'run')
    if not prevRun then prevRun = '' end
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
    -- live instances whose heartbeat does not carry this bucket layout (an older Keycycle keeps
    -- its windows under other keys: the two would not count each other's calls)
    local foreign = 0
    if live > 1 then
      for _, other in ipairs(redis.call('ZRANGEBYSCORE', prefix .. ':inst', now - ttl, '+inf')) do
        if redis.call('HGET', prefix .. ':info:' .. other, 'layout') ~= LAYOUT then foreign = foreign + 1 end
      end
    end
    return {now, live, epoch, created, foreign, missing, prevRun}
  end


  return redis.error_reply('keycycle.lua: unknown operation ' .. tostring(op))
end

-- One call: an operation, or a batch of operations run in order in one round trip ('batch':
-- ARGV[2] = how many, then per operation its number of keys and of arguments followed by its
-- arguments; KEYS hold every operation's keys in the same order). Answers the operation's answer,
-- or the list of the batch's answers. Buckets are read once and written once per call, whatever
-- the number of operations touching them, and Redis TIME is read once.
local function call(keys, argv)
  NOW = nil
  CACHE = {}
  DIRTY = {}
  local answer
  if argv[1] == 'batch' then
    answer = {}
    local ki, ai = 1, 3
    for i = 1, tonumber(argv[2]) do
      local nk, na = tonumber(argv[ai]), tonumber(argv[ai + 1])
      ai = ai + 2
      local k, a = {}, {}
      for j = 1, nk do k[j] = keys[ki]; ki = ki + 1 end
      for j = 1, na do a[j] = argv[ai]; ai = ai + 1 end
      answer[i] = run(k, a)
    end
  else
    answer = run(keys, argv)
  end
  flush()
  return answer
end

-- The loader (RedisLink) appends the entry point: as a Redis function (FUNCTION LOAD, Redis 7+:
-- the definitions above run once, at load) "redis.register_function('<name>', call)", else, as a
-- script (EVALSHA: everything above runs on every call) "return call(KEYS, ARGV)".
