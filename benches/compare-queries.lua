-- wrk script for benches/compare.sh: sends the queries of benches/queries.tsv
-- in turn to the engine named by the ENGINE environment variable, each asking
-- for what a results page shows: the top 10 with a highlighted snippet and the
-- per-department counts.
--   hoshin   /api/search (snippets and department facets are always included)
--   groonga  /d/select over policy and text, scored, snippet_html, drilldown
local engine = os.getenv("ENGINE") or "hoshin"
local queries_file = os.getenv("QUERIES") or "benches/queries.tsv"
-- hoshin's search mode (lexical, hybrid or semantic); empty: its default, hybrid.
local mode = os.getenv("MODE") or ""

local function encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function path_for(query)
  if engine == "groonga" then
    return "/d/select?table=Items&match_columns=policy*2||text&limit=10&sort_keys=-_score"
      .. "&output_columns=_key,_score,department,policy,snippet_html(text)&drilldown=department"
      .. "&query=" .. encode(query)
  end
  local path = "/api/search?limit=10&q=" .. encode(query)
  if mode ~= "" then
    path = path .. "&mode=" .. mode
  end
  return path
end

local paths = {}
for line in io.lines(queries_file) do
  if line ~= "" and line:sub(1, 1) ~= "#" then
    -- The second column: queries.tsv has two, the judged query sets more.
    local query = line:match("^[^\t]*\t([^\t]*)")
    paths[#paths + 1] = path_for(query)
  end
end

local next_path = 0
request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
