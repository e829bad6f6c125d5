//! Synonym swaps: the clause again with one group member replaced by another.

/// Most synonym substitutions tried per clause.
const MAX_SYNONYM_ALTERNATIVES: usize = 8;

/// The clause with one synonym swapped in, for each synonym of each group
/// member it contains. A member inside a longer member that the clause
/// also contains is not swapped on its own: 新型コロナウイルス感染症対策
/// becomes コロナ対策 or COVID-19対策, never 新型COVID-19ウイルス感染症対策.
pub fn synonym_texts(synonyms: &[Vec<String>], substring: &str) -> Vec<String> {
    let occurrences: Vec<(usize, usize, &Vec<String>)> = synonyms
        .iter()
        .flat_map(|group| {
            group.iter().flat_map(move |member| {
                substring.match_indices(member.as_str()).map(move |(start, _)| (start, start + member.len(), group))
            })
        })
        .collect();
    let outermost = occurrences.iter().filter(|&&(start, end, _)| {
        !occurrences.iter().any(|&(other_start, other_end, _)| {
            other_start <= start && end <= other_end && other_end - other_start > end - start
        })
    });
    let mut texts = Vec::new();
    for &(start, end, group) in outermost {
        let member = &substring[start..end];
        for other in group.iter().filter(|other| other.as_str() != member) {
            let text = format!("{}{other}{}", &substring[..start], &substring[end..]);
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
    }
    texts.truncate(MAX_SYNONYM_ALTERNATIVES);
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines.iter().map(|group| group.iter().map(|word| word.to_string()).collect()).collect()
    }

    #[test]
    fn synonyms_swap_the_longest_member_a_clause_contains() {
        let synonyms = groups(&[&["コロナ", "新型コロナウイルス", "新型コロナウイルス感染症", "covid-19"]]);
        assert_eq!(
            synonym_texts(&synonyms, "新型コロナウイルス感染症対策"),
            ["コロナ対策", "新型コロナウイルス対策", "covid-19対策"]
        );
        assert_eq!(
            synonym_texts(&synonyms, "コロナ禍"),
            ["新型コロナウイルス禍", "新型コロナウイルス感染症禍", "covid-19禍"]
        );
    }

    #[test]
    fn synonyms_of_separate_members_are_swapped_one_at_a_time() {
        let synonyms = groups(&[&["ごみ", "廃棄物"], &["減量", "削減"]]);
        assert_eq!(synonym_texts(&synonyms, "ごみ減量"), ["廃棄物減量", "ごみ削減"]);
        assert!(synonym_texts(&synonyms, "図書館").is_empty());
    }
}
