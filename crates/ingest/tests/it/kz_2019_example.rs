//! The constructed Nur-Sultan sample of `examples/kz-2019/`: the generator that wrote it, and
//! a test that the committed files are exactly what it writes and that they load.
//!
//! Run `KUZET_WRITE_EXAMPLES=1 cargo test -p kuzet-ingest --test it kz_2019` to rewrite them.
//!
//! Only these figures come from the report (section 6): 74 observed stations of 239, Kosanov
//! 35,604 and Tokayev 51,164 over the 74, "approximately equal" at 66 stations with Tokayev
//! slightly ahead, Tokayev 7-10 times Kosanov at 8 stations, and the official 91,038 and
//! 275,346. Everything else per station (the split between stations, registered voters, the
//! other lines, the other candidates' combined votes) is constructed by the integer rules
//! below, with no randomness.

use kuzet_ingest::election::load_protocol_table;
use kuzet_protocol::{Election, ProtocolDefinition};
use std::path::PathBuf;

const KOSANOV: &str = "Amirzhan Kosanov";
const TOKAYEV: &str = "Kasym-Zhomart Tokayev";
const OTHERS: &str = "Other candidates (combined; constructed)";
const ORIGIN: &str = "synthetic: constructed to reproduce the report's totals; not a real protocol";

/// Positions (0-based, among the 74) of the 8 stations where Tokayev has 7-10 times Kosanov.
const FAR_OFF: [usize; 8] = [5, 13, 22, 30, 41, 50, 58, 67];

struct Station {
    kosanov: i64,
    tokayev: i64,
    others: i64,
    invalid: i64,
    turnout_percent: i64,
    unreturned: i64,
}

fn spread_remainder(values: &mut [i64], target: i64) {
    let mut remainder = target - values.iter().sum::<i64>();
    let mut i = 0;
    while remainder != 0 {
        let step = remainder.signum();
        values[i % values.len()] += step;
        remainder -= step;
        i += 1;
    }
}

fn constructed_stations() -> Vec<Station> {
    // 66 stations roughly equal: Kosanov 517 ± 80, Tokayev ahead by 31 to 121 votes.
    let mut kosanov: Vec<i64> = (0..66).map(|i| 517 + (((i * 29) % 41) - 20) * 4).collect();
    spread_remainder(&mut kosanov, 35_604 - 1_440);
    let mut margin: Vec<i64> = (0..66).map(|i| 76 + (((i * 17) % 31) - 15) * 3).collect();
    spread_remainder(&mut margin, (51_164 - 12_000) - (35_604 - 1_440));
    // 8 stations far off the trend: Kosanov 150-205, Tokayev about 7-10 times as many (7.2-9.9
    // before the remainder is spread, 7.1-9.8 after).
    let far_kosanov: [i64; 8] = [160, 175, 190, 150, 205, 185, 195, 180];
    let tenths: [i64; 8] = [72, 78, 84, 90, 96, 75, 81, 99];
    let mut far_tokayev: Vec<i64> = far_kosanov
        .iter()
        .zip(tenths)
        .map(|(k, r)| k * r / 10)
        .collect();
    spread_remainder(&mut far_tokayev, 12_000);

    let (mut normal, mut far) = (0, 0);
    (0..74)
        .map(|position| {
            if FAR_OFF.contains(&position) {
                let j = far;
                far += 1;
                let (k, t) = (far_kosanov[j], far_tokayev[j]);
                Station {
                    kosanov: k,
                    tokayev: t,
                    others: (k + t) * 4 / 100,
                    invalid: 4 + j as i64,
                    turnout_percent: 58 + (j as i64 * 3) % 9,
                    unreturned: 0,
                }
            } else {
                let i = normal;
                normal += 1;
                let (k, t) = (kosanov[i], kosanov[i] + margin[i]);
                Station {
                    kosanov: k,
                    tokayev: t,
                    others: (k + t) * 8 / 100,
                    invalid: 8 + (i as i64 * 7) % 13,
                    turnout_percent: 36 + (i as i64 * 11) % 9,
                    unreturned: i as i64 % 3,
                }
            }
        })
        .collect()
}

/// The observers' sample as CSV.
pub fn observer_csv() -> String {
    let mut out = format!(
        "source,area,station,registered,received,issued,cancelled,cast,invalid,valid,{KOSANOV},{TOKAYEV},\"{OTHERS}\",collected_by,collected_at,origin\n"
    );
    for (position, s) in constructed_stations().iter().enumerate() {
        let valid = s.kosanov + s.tokayev + s.others;
        let cast = valid + s.invalid;
        let issued = cast + s.unreturned;
        let registered = (cast * 100 + s.turnout_percent - 1) / s.turnout_percent;
        let received = registered;
        let cancelled = received - issued;
        out.push_str(&format!(
            "observer,Nur-Sultan,synthetic-{:02},{registered},{received},{issued},{cancelled},{cast},{},{valid},{},{},{},,,\"{ORIGIN}\"\n",
            position + 1,
            s.invalid,
            s.kosanov,
            s.tokayev,
            s.others
        ));
    }
    out
}

fn example_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/kz-2019")
        .join(name)
}

#[test]
fn kz_2019_sample_file_is_what_the_generator_writes() {
    let expected = observer_csv();
    let path = example_path("observer-protocols.csv");
    if std::env::var_os("KUZET_WRITE_EXAMPLES").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        expected,
        "run with KUZET_WRITE_EXAMPLES=1 to rewrite {}",
        path.display()
    );
}

#[test]
fn kz_2019_sample_keeps_the_report_figures() {
    let protocol = ProtocolDefinition::kazakhstan_2019();
    let mut election = Election::new("kz-2019", protocol.clone(), &protocol.country);
    load_protocol_table(
        &mut election,
        "observer-protocols.csv",
        observer_csv().as_bytes(),
    )
    .unwrap();
    let set = &election.results()[0];
    assert_eq!(set.source, "observer");
    assert_eq!(set.stations.len(), 74);
    let kosanov = election.candidate_column(election.candidate_index(KOSANOV).unwrap());
    let tokayev = election.candidate_column(election.candidate_index(TOKAYEV).unwrap());
    let total = |column: usize| {
        set.stations
            .iter()
            .map(|s| s.counts[column].unwrap())
            .sum::<i64>()
    };
    assert_eq!(total(kosanov), 35_604);
    assert_eq!(total(tokayev), 51_164);
    let ratios: Vec<f64> = set
        .stations
        .iter()
        .map(|s| s.counts[tokayev].unwrap() as f64 / s.counts[kosanov].unwrap() as f64)
        .collect();
    assert_eq!(
        ratios.iter().filter(|r| (7.0..=10.0).contains(*r)).count(),
        8
    );
    // "Approximately equal, with a slight advantage of the latter" at the other 66.
    assert_eq!(
        ratios.iter().filter(|r| (1.0..1.3).contains(*r)).count(),
        66
    );
    // Every control relation of the Kazakh protocol holds on the constructed protocols.
    let check = kuzet_protocol::check::check_arithmetic(&election, None);
    assert!(check.violations.is_empty(), "{:?}", check.violations);
    assert!(
        check
            .tallies
            .iter()
            .all(|t| t.checked == 74 && t.not_applicable == 0)
    );
}

/// Every count in `published-totals.csv` (what `kuzet verify` reads) is one of the report's
/// figures as listed in `published-figures.csv`, with the same area, source and station count.
#[test]
fn kz_2019_published_totals_are_the_reports_figures() {
    let figures = std::fs::read_to_string(example_path("published-figures.csv")).unwrap();
    let figures: Vec<Vec<String>> = csv::Reader::from_reader(figures.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let totals = std::fs::read_to_string(example_path("published-totals.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(totals.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let mut counted = 0;
    for record in reader.records() {
        let record = record.unwrap();
        for candidate in [KOSANOV, TOKAYEV] {
            let column = headers.iter().position(|h| h == candidate).unwrap();
            let votes = &record[column];
            let found = figures.iter().any(|f| {
                f[0] == record[1]
                    && f[1] == record[0]
                    && f[2] == record[3]
                    && f[3] == candidate
                    && f[4] == votes
                    && f[5] == "votes"
            });
            assert!(
                found,
                "{} {} {candidate} {votes} is not among the report's figures",
                &record[0], &record[1]
            );
            counted += 1;
        }
    }
    assert_eq!(counted, 6);
}
