/**
 * Lua scripts behind every presence write, so each transition (a user's first
 * connection appearing, its last one going) is decided atomically inside Redis: under
 * any concurrency and with any number of presence replicas, exactly one caller sees it.
 *
 * Users are spread over PRESENCE_SHARDS shards (presence.repository.ts, shardOf). Every key of
 * a shard starts with P = REDIS_KEY_PREFIX .. '{' .. shard .. '}:', so a shard is one Redis
 * Cluster hash slot and a script touches one slot only. KEYS[1] is the shard's `instances`
 * key (what the cluster client routes by); the scripts build the rest from P (ARGV[1]).
 * Per shard:
 *   P u:<userId>           ZSET  "<instanceId>|<socketId>" -> expiry ms   the user is online iff it exists
 *   P i:<instanceId>       ZSET  "<userId>|<socketId>"     -> expiry ms   (same entries, by gateway)
 *   P instances            ZSET  instanceId -> latest expiry ms           what the sweeper walks
 *                                                                       (gateways with connections here)
 *   P ttl                  HASH  instanceId -> ttl ms of its last heartbeat
 *   P seen                 HASH  userId -> ms when the user last went offline
 *   P online               STRING number of online users (metrics)
 *   P t:<inst>|<socketId>  STRING tombstone of a closed connection, PX ttl: a heartbeat or
 *                          connect that raced with the disconnect cannot bring it back
 *   P g:<instanceId>       STRING marker of an instance that said goodbye, PX ttl: its
 *                          in-flight heartbeats cannot bring its connections back
 * Times come from Redis (TIME), so replicas with skewed clocks agree on expiry.
 * User and instance ids never contain '|' (validated before any script runs).
 */
const prelude = `
local P = ARGV[1]
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ttlOf(inst, fallback)
  return tonumber(redis.call('HGET', P .. 'ttl', inst) or fallback)
end
-- Adds or refreshes a connection; true when it is the user's first (they came online).
local function add(u, inst, s, exp)
  redis.call('ZADD', P .. 'i:' .. inst, exp, u .. '|' .. s)
  local ukey = P .. 'u:' .. u
  if redis.call('ZADD', ukey, exp, inst .. '|' .. s) == 1 and redis.call('ZCARD', ukey) == 1 then
    redis.call('INCR', P .. 'online')
    return true
  end
  return false
end
-- Removes a connection; true when it was the user's last (they went offline).
local function drop(u, inst, s, now)
  redis.call('ZREM', P .. 'i:' .. inst, u .. '|' .. s)
  local ukey = P .. 'u:' .. u
  if redis.call('ZREM', ukey, inst .. '|' .. s) == 1 and redis.call('EXISTS', ukey) == 0 then
    redis.call('HSET', P .. 'seen', u, now)
    redis.call('DECR', P .. 'online')
    return true
  end
  return false
end
local function split(member)
  local sep = string.find(member, '|', 1, true)
  return string.sub(member, 1, sep - 1), string.sub(member, sep + 1)
end
`;

/**
 * ARGV: P, userId, instanceId, socketId, defaultTtlMs, maxConnections (0: no cap).
 * Returns {cameOnline 0|1, nowMs, refused 0|1, markerLifted 0|1}. The cap counts the user's unexpired
 * connections on every gateway inside the script, so concurrent connects cannot pass it.
 */
export const connectScript = `${prelude}
local u, inst, s = ARGV[2], ARGV[3], ARGV[4]
local cap = tonumber(ARGV[6] or '0')
local now = nowMs()
if redis.call('EXISTS', P .. 't:' .. inst .. '|' .. s) == 1 then return {0, now, 0} end
local ukey = P .. 'u:' .. u
if cap > 0 and redis.call('ZSCORE', ukey, inst .. '|' .. s) == false
   and redis.call('ZCOUNT', ukey, '(' .. now, '+inf') >= cap then
  return {0, now, 1}
end
-- A connect is proof the instance lives (an instance id reused after a restart); the caller
-- lifts the other shards' markers when this one had one.
local lifted = redis.call('DEL', P .. 'g:' .. inst)
local exp = now + ttlOf(inst, ARGV[5])
redis.call('ZADD', P .. 'instances', 'GT', exp, inst)
return {add(u, inst, s, exp) and 1 or 0, now, 0, lifted}
`;

/** ARGV: P, userId, instanceId, socketId, defaultTtlMs. Returns {wentOffline 0|1, nowMs}. */
export const disconnectScript = `${prelude}
local u, inst, s = ARGV[2], ARGV[3], ARGV[4]
local now = nowMs()
redis.call('SET', P .. 't:' .. inst .. '|' .. s, '1', 'PX', ttlOf(inst, ARGV[5]))
return {drop(u, inst, s, now) and 1 or 0, now}
`;

/**
 * ARGV: P, instanceId, ttlMs, then userId, socketId pairs.
 * Returns {nowMs, userIds that came online...}.
 */
export const heartbeatScript = `${prelude}
local inst, ttl = ARGV[2], tonumber(ARGV[3])
local now = nowMs()
if redis.call('EXISTS', P .. 'g:' .. inst) == 1 then return {now} end
local exp = now + ttl
redis.call('HSET', P .. 'ttl', inst, ttl)
redis.call('ZADD', P .. 'instances', exp, inst)
local out = {now}
for i = 4, #ARGV, 2 do
  local u, s = ARGV[i], ARGV[i + 1]
  if redis.call('EXISTS', P .. 't:' .. inst .. '|' .. s) == 0 and add(u, inst, s, exp) then
    out[#out + 1] = u
  end
end
return out
`;

/**
 * Removes up to `limit` expired connections, walking the instances (O(instances +
 * expired)), and forgets instances with nothing left whose heartbeats stopped.
 * ARGV: P, limit. Returns {nowMs, more 0|1, userIds that went offline...}.
 */
export const sweepScript = `${prelude}
local budget = tonumber(ARGV[2])
local now = nowMs()
local out = {now, 0}
for _, inst in ipairs(redis.call('ZRANGE', P .. 'instances', 0, -1)) do
  if budget <= 0 then
    out[2] = 1
    break
  end
  local ikey = P .. 'i:' .. inst
  local expired = redis.call('ZRANGEBYSCORE', ikey, '-inf', now, 'LIMIT', 0, budget)
  if #expired >= budget then out[2] = 1 end
  budget = budget - #expired
  for _, m in ipairs(expired) do
    local u, s = split(m)
    if drop(u, inst, s, now) then out[#out + 1] = u end
  end
  local last = redis.call('ZSCORE', P .. 'instances', inst)
  if redis.call('EXISTS', ikey) == 0 and last and tonumber(last) <= now then
    redis.call('ZREM', P .. 'instances', inst)
    redis.call('HDEL', P .. 'ttl', inst)
  end
end
return out
`;

/**
 * Closes up to `limit` connections of an instance that is going away.
 * ARGV: P, instanceId, limit, defaultTtlMs. Returns {nowMs, remaining, userIds that went offline...}.
 */
export const instanceGoneScript = `${prelude}
local inst, limit = ARGV[2], tonumber(ARGV[3])
local now = nowMs()
redis.call('SET', P .. 'g:' .. inst, '1', 'PX', ttlOf(inst, ARGV[4]))
local ikey = P .. 'i:' .. inst
local out = {now, 0}
for _, m in ipairs(redis.call('ZRANGE', ikey, 0, limit - 1)) do
  local u, s = split(m)
  if drop(u, inst, s, now) then out[#out + 1] = u end
end
out[2] = redis.call('ZCARD', ikey)
if out[2] == 0 then
  redis.call('ZREM', P .. 'instances', inst)
  redis.call('HDEL', P .. 'ttl', inst)
end
return out
`;

/**
 * The fan-out's routing table in one round trip. Expired connections not yet swept
 * are left out, so messages are not routed to a gateway that stopped heartbeating.
 * ARGV: P, userIds... Returns, per user in order, the distinct instance ids.
 */
export const locateScript = `${prelude}
local now = nowMs()
local out = {}
for i = 2, #ARGV do
  local seen, list = {}, {}
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'u:' .. ARGV[i], '(' .. now, '+inf')) do
    local inst = split(m)
    if not seen[inst] then
      seen[inst] = true
      list[#list + 1] = inst
    end
  end
  out[#out + 1] = list
end
return out
`;

/**
 * ARGV: P, userIds... Returns, per user in order, online 0|1 and last seen ms ('' if never).
 * Online here is the state the PresenceChangedV1 events described (entries exist).
 */
export const queryScript = `${prelude}
local out = {}
for i = 2, #ARGV do
  out[#out + 1] = redis.call('EXISTS', P .. 'u:' .. ARGV[i])
  out[#out + 1] = redis.call('HGET', P .. 'seen', ARGV[i]) or ''
end
return out
`;
