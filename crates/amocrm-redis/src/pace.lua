-- The schedule of one account, atomically (GCRA). KEYS[1]: the account's hash, fields
--   t  theoretical arrival time: the earliest instant of the next slot
--   p  paused until (a Retry-After): no slot before it
--   l  when the last n requests left (their holders woke up for their slots and left):
--      up to n integers, oldest first, space-separated (a single one, as written by
--      earlier versions, still reads)
--   b  blocked until (amoCRM blocked the account): every acquire answers 3 until then
--   e  the schedule's epoch: when the key was created; a slot of another epoch was granted
--      by a schedule since lost (server restarted, key flushed or expired)
-- All instants are microseconds of the server's clock (TIME), never a client's.
--
-- ARGV[1] operation: "acquire" | "depart" | "pause" | "block"
-- ARGV[2] interval between two slots, µs (0: pauses only)
-- ARGV[3] how long the key outlives its last instant, ms
-- ARGV[4] n, the limit's requests per second: any n + 1 departures span n intervals
-- ARGV[5] depart: the slot granted; pause, block: its length, µs
-- ARGV[6] depart: the epoch the slot was granted in
--
-- Answers {status, wait µs, slot µs, epoch}:
--   0 leave now (the departure is recorded)
--   1 wait `wait` µs, then "depart" with `slot`
--   2 the slot is void (a pause set since covers it, or the schedule was lost, e.g. a
--     restarted server): "acquire" again
--   3 the account is blocked for `wait` µs more: fail at once

-- Redis < 5 replicates scripts verbatim unless told otherwise; TIME needs effects replication.
if redis.replicate_commands then pcall(redis.replicate_commands) end

local key = KEYS[1]
local op = ARGV[1]
local interval = tonumber(ARGV[2])
local margin = tonumber(ARGV[3])
local n = math.max(tonumber(ARGV[4]) or 1, 1)
local span = n * interval

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])

local state = redis.call('HMGET', key, 't', 'p', 'l', 'e', 'b')
local tat = tonumber(state[1])
local paused = tonumber(state[2]) or 0
local left = {}
for instant in string.gmatch(state[3] or '', '%d+') do
  left[#left + 1] = tonumber(instant)
end
local epoch = tonumber(state[4])
local blocked = tonumber(state[5]) or 0

-- Lua's numbers are doubles: written as integers (tostring would round to 14 digits).
local function int(x)
  return string.format('%.0f', x)
end

-- Keeps the key as long as one of its instants is ahead: an idle account leaves nothing.
local function save(...)
  if epoch == nil then
    epoch = now
    redis.call('HSET', key, 'e', int(epoch))
  end
  redis.call('HSET', key, ...)
  local horizon = math.max(tat or 0, paused, (left[1] or 0) + span)
  local ms = math.ceil((horizon - now) / 1000)
  if ms < 0 then ms = 0 end
  redis.call('PEXPIRE', key, ms + margin)
end

-- A request due now leaves unless the departure n back left less than n intervals ago
-- (requests that woke up late caught up): then it waits until then, keeping its slot. Only
-- that window holds a request back, never the gap to the last departure: a late wake-up
-- is not carried into every later slot.
local function depart(slot)
  local oldest = left[#left - n + 1]
  if oldest and now < oldest + span then
    return {1, oldest + span - now, slot, epoch}
  end
  left[#left + 1] = now
  local kept, written = {}, {}
  for i = math.max(#left - n + 1, 1), #left do
    kept[#kept + 1] = left[i]
    written[#written + 1] = int(left[i])
  end
  left = kept
  save('l', table.concat(written, ' '))
  return {0, 0, slot, epoch}
end

if (op == 'acquire' or op == 'depart') and blocked > now then
  return {3, blocked - now, 0, epoch or 0}
end

if op == 'acquire' then
  local slot = math.max(now, tat or 0, paused)
  tat = slot + interval
  save('t', int(tat))
  if slot > now then
    return {1, slot - now, slot, epoch}
  end
  return depart(slot)
elseif op == 'depart' then
  local slot = tonumber(ARGV[5])
  -- The key outlives its slots by the margin: another epoch (or none) means the schedule
  -- that granted this slot is gone, and a new one may have granted the same instants.
  if epoch == nil or epoch ~= tonumber(ARGV[6]) then
    return {2, 0, slot, 0}
  end
  if paused > slot then
    return {2, 0, slot, epoch}
  end
  if now < slot then
    return {1, slot - now, slot, epoch}
  end
  return depart(slot)
elseif op == 'pause' then
  local until_ = now + tonumber(ARGV[5])
  if until_ > paused then
    paused = until_
    save('p', int(paused))
  end
  return {0, 0, paused, epoch or 0}
elseif op == 'block' then
  -- A block pauses too: slots granted before it are void.
  local until_ = now + tonumber(ARGV[5])
  if until_ > blocked then blocked = until_ end
  if blocked > paused then paused = blocked end
  save('b', int(blocked), 'p', int(paused))
  return {0, 0, blocked, epoch or 0}
end
return redis.error_reply('amocrm pace script: unknown operation ' .. tostring(op))
