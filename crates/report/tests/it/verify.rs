//! The verification report on the Kazakhstan 2019 case study: the report's published
//! projection reproduced, and snapshots of the three renderings.

use kuzet_report::verify::{
    Language, build, build_in, group, kz_2019_case_study, kz_2019_case_study_html,
    kz_2019_case_study_html_in, render_html, render_json, render_text,
};

#[test]
fn kz_2019_reproduces_the_reports_projection() {
    let (election, verification) = kz_2019_case_study();
    let report = build(&election, &verification, None, None);
    assert_eq!(
        report.projections.len(),
        1,
        "only Nur-Sultan has both a sample and an official station count"
    );
    let nur_sultan = &report.projections[0];
    assert_eq!(
        (
            nur_sultan.area.as_str(),
            nur_sultan.sampled,
            nur_sultan.total_stations
        ),
        ("Nur-Sultan", 74, 239)
    );
    let candidate = |name: &str| {
        nur_sultan
            .candidates
            .iter()
            .find(|c| c.candidate == name)
            .unwrap()
    };
    let kosanov = candidate("Amirzhan Kosanov");
    let tokayev = candidate("Kasym-Zhomart Tokayev");
    // The observers' arithmetic: sample total × 239 / 74.
    assert_eq!(
        kosanov.projection.value,
        (35_604.0f64 * 239.0 / 74.0).round() as i64
    );
    assert_eq!(
        tokayev.projection.value,
        (51_164.0f64 * 239.0 / 74.0).round() as i64
    );
    assert_eq!(kosanov.difference, Some(91_038 - kosanov.projection.value));
    assert_eq!(tokayev.difference, Some(275_346 - tokayev.projection.value));
    // "About 114 thousand" and "23,000 fewer"; Tokayev 164-165 thousand and "111,000 more".
    assert_eq!(kosanov.projection.value / 1000, 114);
    assert_eq!(kosanov.difference.unwrap() / 1000, -23);
    assert!((164_000..166_000).contains(&tokayev.projection.value));
    assert!((110_000..112_000).contains(&tokayev.difference.unwrap()));
    for c in [kosanov, tokayev] {
        let [lower, upper] = c.projection.analytic_95;
        assert!(lower < c.projection.value && c.projection.value < upper);
        assert_eq!(c.official_outside_interval, Some(true), "{}", c.candidate);
        assert_eq!(c.official_outside_bootstrap, Some(true), "{}", c.candidate);
    }
    // The eight stations far off the trend are exactly those flagged on the vote ratio.
    let flagged: Vec<&str> = report.outliers[0]
        .flagged
        .iter()
        .filter(|o| o.measure == "log(leader / runner-up)")
        .map(|o| o.station.as_str())
        .collect();
    let mut flagged = flagged;
    flagged.sort();
    assert_eq!(
        flagged,
        [
            "synthetic-06",
            "synthetic-14",
            "synthetic-23",
            "synthetic-31",
            "synthetic-42",
            "synthetic-51",
            "synthetic-59",
            "synthetic-68"
        ]
    );
    assert_eq!(report.arithmetic.violations_total, 0);
}

#[test]
fn kz_2019_text_report() {
    let (election, verification) = kz_2019_case_study();
    insta::assert_snapshot!(render_text(&build(
        &election,
        &verification,
        None,
        Some(20)
    )));
}

#[test]
fn kz_2019_json_report() {
    let (election, verification) = kz_2019_case_study();
    insta::assert_json_snapshot!(render_json(&build(&election, &verification, None, None)));
}

#[test]
fn kz_2019_html_page() {
    let page = kz_2019_case_study_html();
    // Self-contained: no script and nothing fetched from anywhere.
    assert!(!page.contains("<script"));
    assert!(!page.contains("src="));
    assert!(!page.contains("href="));
    insta::assert_snapshot!(page);
}

#[test]
fn html_escapes_what_files_contain() {
    let (mut election, _) = kz_2019_case_study();
    election.title = "<b>Election</b> & \"friends\"".to_owned();
    let verification = kuzet_protocol::verify(&election, &kuzet_protocol::VerifyOptions::default());
    let page = render_html(&build(&election, &verification, None, Some(5)));
    assert!(page.contains("&lt;b&gt;Election&lt;/b&gt; &amp; &quot;friends&quot;"));
    assert!(!page.contains("<b>Election"));
}

#[test]
fn numbers_are_grouped_by_thousands() {
    for (value, text) in [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (114_991, "114,991"),
        (-23_953, "-23,953"),
        (109_008_428, "109,008,428"),
    ] {
        assert_eq!(group(value), text);
    }
}

#[test]
fn kz_2019_text_report_in_russian() {
    let (election, verification) = kz_2019_case_study();
    let report = build_in(&election, &verification, None, Some(20), Language::Russian);
    assert_eq!(report.language, "ru");
    // The figures do not depend on the language.
    let english = build(&election, &verification, None, Some(20));
    assert_eq!(
        report.projections[0].candidates[0].projection.value,
        english.projections[0].candidates[0].projection.value
    );
    insta::assert_snapshot!(render_text(&report));
}

#[test]
fn kz_2019_html_page_in_russian() {
    let page = kz_2019_case_study_html_in(Language::Russian);
    assert!(page.contains("<html lang=\"ru\">"));
    assert!(page.contains("Проекция: Nur-Sultan по 74 участкам источника «observer» из 239"));
    assert!(page.contains("действительные бюллетени = сумма голосов за кандидатов"));
    assert!(!page.contains("<script"));
    assert_eq!(Language::from_code("ru"), Some(Language::Russian));
    assert_eq!(Language::from_code("kk"), None);
}

#[test]
fn reports_never_name_who_collected_a_protocol() {
    let (mut election, _) = kz_2019_case_study();
    // Valid ballots 100, candidates 50 + 60 + 0: a violation whose provenance the report gives.
    let table = "source,area,station,valid,Amirzhan Kosanov,Kasym-Zhomart Tokayev,Other candidates (combined; constructed),collected_by,collected_at,origin\n\
                 volunteer,Nur-Sultan,extra-1,100,50,60,0,Synthetic Observer Name,2019-06-09 21:40,photo in the volunteers' chat\n";
    kuzet_ingest::election::load_protocol_table(&mut election, "volunteer.csv", table.as_bytes())
        .unwrap();
    let verification = kuzet_protocol::verify(&election, &kuzet_protocol::VerifyOptions::default());
    let report = build(&election, &verification, None, None);
    let violation = report
        .arithmetic
        .violations
        .iter()
        .find(|v| v.station.as_deref() == Some("extra-1"))
        .unwrap();
    assert_eq!(
        (violation.origin.as_str(), violation.line),
        ("volunteer.csv", 2)
    );
    assert_eq!(
        violation.provenance.as_deref(),
        Some("photo in the volunteers' chat, 2019-06-09 21:40")
    );
    for rendered in [
        render_text(&report),
        render_html(&report),
        render_json(&report).to_string(),
    ] {
        assert!(!rendered.contains("Synthetic Observer Name"));
    }
}
