-- wrk script for ally-server (Tools/sync-bench.sh): each connection alternates a push of one fresh 125-byte
-- envelope under its own device id with a pull of what is new after its cursor, like a laptop syncing.
-- Usage: TOKEN=... wrk -t2 -c50 -d10s -s Tools/scripts/load.lua http://127.0.0.1:PORT
local token = os.getenv("TOKEN")
local counter = 0
local threads = {}

local function b64(data)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((data:gsub(".", function(x)
    local bits, byte = "", x:byte()
    for i = 8, 1, -1 do bits = bits .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return alphabet:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id * 7919 + os.time())
  device = string.format("%08x%08x", math.random(0, 0x7fffffff), id)
  seq = 0
  cursor = "0"
  pushing = true
  local bytes = { string.char(1, 0, 0, 0, 1) }
  for _ = 1, 120 do table.insert(bytes, string.char(math.random(0, 255))) end
  envelope = b64(table.concat(bytes))
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  if pushing then
    seq = seq + 1
    local body = string.format('{"changes":[{"device":"%s","seq":%d,"envelope":"%s"}]}', device, seq, envelope)
    return wrk.format("POST", "/v1/changes", headers, body)
  end
  return wrk.format("GET", "/v1/changes?after=" .. cursor .. "&limit=500", headers)
end

function response(status, headers, body)
  if not pushing and status == 200 then
    local next = body:match('"next":"(%d+)"')
    if next then cursor = next end
  end
  pushing = not pushing
end
