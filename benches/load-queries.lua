-- wrk script for benches/load.sh: cycles through resident-style queries of
-- every kind (short word, compound, hiragana reading, several words, phrase,
-- exclusion, suggestion, facet filter, no hit) so the load is mixed.
local paths = {
  "/api/search?q=%E5%9B%B3%E6%9B%B8%E9%A4%A8",                                  -- 図書館
  "/api/search?q=%E5%B8%82%E6%B0%91%E3%82%BB%E3%83%B3%E3%82%BF%E3%83%BC%E6%94%B9%E4%BF%AE", -- 市民センター改修
  "/api/search?q=%E3%81%A8%E3%81%97%E3%82%87%E3%81%8B%E3%82%93",                -- としょかん
  "/api/search?q=%E9%AB%98%E9%BD%A2%E8%80%85%20%E6%94%AF%E6%8F%B4",             -- 高齢者 支援
  "/api/search?q=%22%E6%96%B0%E5%9B%B3%E6%9B%B8%E9%A4%A8%22",                   -- "新図書館"
  "/api/search?q=DX%20-%E7%A0%94%E4%BF%AE",                                     -- DX -研修
  "/api/search?q=%E6%8E%A8%E9%80%B2&offset=10",                                 -- 推進, page 2
  "/api/search?q=DX&department=%E6%95%99%E8%82%B2%E9%83%A8",                    -- DX in 教育部
  "/api/search?q=%E5%AE%87%E5%AE%99%E9%96%8B%E7%99%BA",                         -- 宇宙開発 (no hit)
  "/api/suggest?q=%E3%81%A8%E3%81%97%E3%82%87",                                 -- としょ
}
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
