//! `kuzet forensics` end to end: a region of the 2018 file with every output, the seed in the
//! output, and bad input with exit code 2.

use crate::{kuzet, shared_data};
use std::process::Output;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks the exit code and that stderr names every one of `messages`.
fn check(output: &Output, code: i32, messages: &[&str]) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    for message in messages {
        assert!(stderr.contains(message), "stderr lacks {message:?}: {stderr}");
    }
}

#[test]
fn one_region_with_json_report_and_png() {
    let Some(file) = shared_data("ru/2018.csv.zip") else { return };
    let dir = std::env::temp_dir().join(format!("kuzet-forensics-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (html, png) = (dir.join("r.html"), dir.join("f.png"));
    let output = kuzet(&[
        "forensics",
        &file.display().to_string(),
        "--json",
        "--draws",
        "50",
        "--seed",
        "5",
        "--region",
        "Чукотский автономный округ",
        "--report",
        &html.display().to_string(),
        "--png",
        &png.display().to_string(),
        "--png-regions",
        &dir.join("regions").display().to_string(),
    ]);
    check(&output, 0, &[]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(value["seed"], 5);
    assert_eq!(value["draws"], 50);
    assert_eq!(value["source"], "2018.csv.zip, Чукотский автономный округ");
    assert_eq!(value["turnout_distribution"]["by_region"].as_array().map(Vec::len), Some(1));
    let stations = value["stations"].as_u64().unwrap();
    assert!(stations > 10 && stations < 200, "{stations}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Election fingerprint") && page.contains("seed 5"));
    assert!(!page.contains("<script"));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let regions: Vec<_> = std::fs::read_dir(dir.join("regions")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(regions.len(), 1, "{regions:?}");
    assert_eq!(regions[0].to_string_lossy(), "01-Чукотский_автономный_округ.png");
}

#[test]
fn missing_file_and_unknown_region_are_bad_input() {
    check(&kuzet(&["forensics", "no-such-file.csv.zip"]), 2, &["no-such-file.csv.zip"]);
    let Some(file) = shared_data("ru/2018.csv.zip") else { return };
    let output = kuzet(&["forensics", &file.display().to_string(), "--region", "Atlantis", "--draws", "10"]);
    check(&output, 2, &["no region named \"Atlantis\""]);
}
