//! A deterministic corpus at any size, in the seed's text format, for benchmarks.
//!
//! Real prefectures and portals hold thousands of municipalities' policies. The
//! generator recombines the seed's own material so that analysis does real work:
//! each file is one municipality and fiscal year drawn at random (so the same
//! pair recurs across files of a large corpus), its departments take the seed's
//! department names, its headings are seed headings with the municipality's name
//! in place of the seed city's, and each item joins two to four clauses (cut at
//! 、 and 。) of different seed items; the municipality is in the metadata
//! file beside each, so the index holds many municipalities and years. The
//! same seed number and size always give the same bytes.

use std::fs;
use std::path::Path;

use hoshin_analysis::PolicyItem;

use crate::error::{IndexerError, Result};

/// Items per generated file, at most.
pub const ITEMS_PER_FILE: usize = 120;

/// Municipality names the generator writes policies for (each a city, 市).
const MUNICIPALITIES: &[&str] = &[
    "狛江",
    "調布",
    "府中",
    "三鷹",
    "武蔵野",
    "小金井",
    "国分寺",
    "国立",
    "立川",
    "日野",
    "多摩",
    "稲城",
    "町田",
    "八王子",
    "青梅",
    "昭島",
    "福生",
    "羽村",
    "あきる野",
    "東大和",
    "武蔵村山",
    "東村山",
    "清瀬",
    "東久留米",
    "西東京",
    "小平",
    "川崎",
    "横浜",
    "相模原",
    "大和",
    "座間",
    "海老名",
    "厚木",
    "藤沢",
    "茅ヶ崎",
    "鎌倉",
    "逗子",
    "横須賀",
    "所沢",
    "川越",
];

/// Small, fast and reproducible: SplitMix64.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCorpus {
    /// Files written.
    pub files: usize,
    /// Items written.
    pub items: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Writes `items` items generated from `material` with `seed` into `out_dir`
/// (created if needed), in files of at most [`ITEMS_PER_FILE`] items.
pub fn generate_corpus(material: &[PolicyItem], items: usize, seed: u64, out_dir: &Path) -> Result<GeneratedCorpus> {
    let clauses: Vec<&str> = material
        .iter()
        .flat_map(|item| item.text.split(['、', '。']))
        .map(str::trim)
        .filter(|clause| clause.chars().count() >= 4)
        .collect();
    let departments: Vec<&str> = unique(material.iter().map(|item| item.department.as_str()));
    let headings: Vec<&str> = unique(material.iter().map(|item| item.policy.as_str()));
    if clauses.is_empty() || departments.is_empty() || headings.is_empty() {
        return Err(IndexerError::NoGeneratorMaterial);
    }
    fs::create_dir_all(out_dir).map_err(IndexerError::io(out_dir))?;
    let mut random = SplitMix64(seed);
    let mut written = GeneratedCorpus { files: 0, items: 0, bytes: 0 };
    while written.items < items {
        let file_items = ITEMS_PER_FILE.min(items - written.items);
        let city = random.pick(MUNICIPALITIES);
        let reiwa_year = 1 + random.below(6);
        let mut text = String::new();
        let mut left = file_items;
        while left > 0 {
            let department = random.pick(&departments);
            text.push_str(&format!("\n令和{reiwa_year}年度「{department}の方針」（案）\n"));
            for _ in 0..(1 + random.below(5)) {
                if left == 0 {
                    break;
                }
                let heading = random.pick(&headings).replace("狛江", city);
                text.push_str(&format!("\n{heading}\n\n"));
                for _ in 0..(1 + random.below(4)).min(left) {
                    let parts: Vec<&str> = (0..2 + random.below(3)).map(|_| *random.pick(&clauses)).collect();
                    text.push_str(&format!("- ▽ {}。\n", parts.join("、").replace("狛江", city)));
                    left -= 1;
                }
            }
        }
        let path = out_dir.join(format!("gen-{seed}-{:07}.txt", written.files));
        fs::write(&path, &text).map_err(IndexerError::io(&path))?;
        let metadata = crate::seed::metadata_path(&path);
        let municipality = serde_json::json!({ "municipality": format!("{city}市") }).to_string();
        fs::write(&metadata, &municipality).map_err(IndexerError::io(&metadata))?;
        written.files += 1;
        written.items += file_items;
        written.bytes += (text.len() + municipality.len()) as u64;
    }
    Ok(written)
}

fn unique<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{parse_seed, read_seeds_dir};

    fn material() -> Vec<PolicyItem> {
        let text = "令和4年度「総務部の方針」(案)\n見出し狛江\n- ▽ 狛江市の防災訓練を行い、地域の防災力を高めます。\n- ▽ 職員の研修を行い、組織力の強化を図ります。\n";
        parse_seed("m.txt", text).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_every_item_parses() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        let report = generate_corpus(&material(), 250, 7, first.path()).unwrap();
        assert_eq!((report.items, report.files), (250, 3));
        generate_corpus(&material(), 250, 7, second.path()).unwrap();
        for index in 0..3 {
            let name = format!("gen-7-{index:07}.txt");
            assert_eq!(fs::read(first.path().join(&name)).unwrap(), fs::read(second.path().join(&name)).unwrap());
        }
        let items = read_seeds_dir(first.path()).unwrap();
        assert_eq!(items.len(), 250);
        assert!(items.iter().all(|item| item.fiscal_year >= 2019 && item.text.ends_with('。')));
        assert!(items.iter().all(|item| item.municipality.as_deref().is_some_and(|name| name.ends_with('市'))));
    }

    #[test]
    fn another_seed_gives_another_corpus() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        generate_corpus(&material(), 50, 1, first.path()).unwrap();
        generate_corpus(&material(), 50, 2, second.path()).unwrap();
        assert_ne!(
            fs::read(first.path().join("gen-1-0000000.txt")).unwrap(),
            fs::read(second.path().join("gen-2-0000000.txt")).unwrap()
        );
    }
}
