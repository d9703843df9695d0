-- Remembers one accepted widget_request token until its end, on this server's clock.
-- KEYS[1]: the token's key. ARGV[1]: the token's end, Unix milliseconds.
-- Answers 1 when remembered now, 0 when remembered already, and a negative number (how
-- many milliseconds past, minus one) when the end is not in the future on this clock:
-- such a token cannot be remembered (Redis would drop the key at once, and every replay
-- would then be accepted), so it is refused.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ends = tonumber(ARGV[1])
if ends <= now then
  return ends - now - 1
end
if redis.call('SET', KEYS[1], 1, 'NX', 'PXAT', ARGV[1]) then
  return 1
end
return 0
