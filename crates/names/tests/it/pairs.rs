//! The name-pair test set: precision and recall of `similarity` at `NAME_MATCH_THRESHOLD`.

use kuzet_names::{NAME_MATCH_THRESHOLD, similarity, synthetic};

const CSV: &str = include_str!("../data/name-pairs.csv");

struct Pair<'a> {
    left: &'a str,
    right: &'a str,
    same: bool,
    kind: &'a str,
}

fn pairs() -> Vec<Pair<'static>> {
    CSV.lines()
        .filter(|line| !line.starts_with('#'))
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 4, "{line}");
            Pair {
                left: fields[0],
                right: fields[1],
                same: fields[2] == "true",
                kind: fields[3],
            }
        })
        .collect()
}

#[test]
fn committed_csv_is_what_the_generator_writes() {
    assert_eq!(
        CSV,
        synthetic::name_pairs_csv(),
        "regenerate: cargo run -p kuzet-names --example name_pairs"
    );
}

#[test]
fn test_set_is_large_and_balanced() {
    let pairs = pairs();
    let same = pairs.iter().filter(|pair| pair.same).count();
    assert!(pairs.len() >= 300, "{} pairs", pairs.len());
    assert!(
        same >= 100 && pairs.len() - same >= 100,
        "{same} same of {}",
        pairs.len()
    );
}

#[test]
fn precision_and_recall_meet_the_targets() {
    let (mut true_positive, mut false_positive, mut false_negative) = (0, 0, 0);
    let mut mistakes = Vec::new();
    for pair in pairs() {
        let score = similarity(pair.left, pair.right);
        let predicted = score >= NAME_MATCH_THRESHOLD;
        match (predicted, pair.same) {
            (true, true) => true_positive += 1,
            (true, false) => false_positive += 1,
            (false, true) => false_negative += 1,
            (false, false) => {}
        }
        if predicted != pair.same {
            mistakes.push(format!(
                "{score:.3} {} | {} | {}",
                pair.kind, pair.left, pair.right
            ));
        }
    }
    let precision = f64::from(true_positive) / f64::from(true_positive + false_positive);
    let recall = f64::from(true_positive) / f64::from(true_positive + false_negative);
    println!("precision {precision:.4} recall {recall:.4} at threshold {NAME_MATCH_THRESHOLD}");
    println!("tp {true_positive} fp {false_positive} fn {false_negative}");
    for mistake in &mistakes {
        println!("{mistake}");
    }
    assert!(
        precision >= 0.95,
        "precision {precision:.4}\n{}",
        mistakes.join("\n")
    );
    assert!(
        recall >= 0.95,
        "recall {recall:.4}\n{}",
        mistakes.join("\n")
    );
}
