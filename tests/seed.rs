//! The parser on the real seed file.

use std::collections::HashSet;

use hoshin_analysis::PolicyItem;
use hoshin_indexer::seed::{read_seed_file, read_seeds_dir};

use crate::util::{seed_file, seeds_dir};

#[test]
fn the_seed_holds_118_items_in_9_departments() {
    let items = read_seed_file(&seed_file()).unwrap();
    assert_eq!(items.len(), 118);
    let mut departments: Vec<&str> = Vec::new();
    for item in &items {
        if departments.last() != Some(&item.department.as_str()) {
            departments.push(&item.department);
        }
    }
    assert_eq!(
        departments,
        [
            "企画財政部",
            "総務部",
            "市民生活部",
            "福祉保健部",
            "子ども家庭部",
            "環境部",
            "都市建設部",
            "教育部",
            "議会事務局"
        ]
    );
    assert!(items.iter().all(|item| item.year == "令和4年度" && item.fiscal_year == 2022));
}

#[test]
fn items_sit_under_the_right_headings() {
    let items = read_seed_file(&seed_file()).unwrap();
    let first_department_headings: Vec<&str> = {
        let mut headings: Vec<&str> = Vec::new();
        for item in items.iter().filter(|item| item.department == "企画財政部") {
            if headings.last() != Some(&item.policy.as_str()) {
                headings.push(&item.policy);
            }
        }
        headings
    };
    assert_eq!(
        first_department_headings,
        [
            "持続可能な行財政運営の推進",
            "狛江市DX戦略の推進",
            "人にやさしいまちに向けた取組の推進",
            "デザインの視点を取り入れた未来戦略の推進",
            "狛江の特徴を生かしたシティセールスの推進",
        ]
    );
    let noisy = items.iter().find(|item| item.policy.starts_with("みらい：")).unwrap();
    assert_eq!(noisy.department, "福祉保健部");
    assert!(noisy.policy.contains("粕江らしい地域包括ケアシステム"), "OCR noise is kept as printed");
}

#[test]
fn item_text_is_the_line_without_its_marker_and_the_source_points_at_it() {
    let raw = std::fs::read_to_string(seed_file()).unwrap();
    let lines: Vec<&str> = raw.lines().collect();
    let items = read_seed_file(&seed_file()).unwrap();
    for item in &items {
        let line = lines[item.source.line as usize - 1];
        assert_eq!(line, format!("- ▽ {}", item.text), "{}", item.id);
        assert_eq!(item.source.file, "komae-2022-policies.txt");
    }
    let ids: HashSet<&str> = items.iter().map(|item| item.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "ids are unique");
    assert_eq!(items[0].id, "komae-2022-policies-001");
}

#[test]
fn the_seed_directory_reads_the_same_items() {
    assert_eq!(read_seeds_dir(&seeds_dir()).unwrap(), read_seed_file(&seed_file()).unwrap());
}

/// What `hoshin export` prints is what the indexer reads: the Groonga
/// comparison loads exactly the items hoshin indexes.
#[test]
fn export_prints_every_item_as_one_json_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hoshin"))
        .args(["export", "--seeds"])
        .arg(seeds_dir())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let exported: Vec<PolicyItem> =
        String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(exported, read_seeds_dir(&seeds_dir()).unwrap());
}

/// The seed must stay byte-identical to the city's published text, noise and
/// all: search copes with the text, never the other way round.
#[test]
fn the_committed_seed_is_byte_identical_to_the_published_one() {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(std::fs::read(seed_file()).unwrap());
    assert_eq!(format!("{digest:x}"), "fdfe7ad8d804d0d7545a6e35562902739f3f0bd7f0bcae1f7ed6a455da9669ef");
}
