//! Protocol definitions parse from text, and bad definitions are refused with their line.

use kuzet_protocol::{Comparison, Operand, ProtocolDefinition};

fn check_error(text: &str, line: usize, problem_contains: &str) {
    let error = ProtocolDefinition::parse(text).expect_err(text);
    assert_eq!(error.line, line, "{text}: {error}");
    assert!(error.problem.contains(problem_contains), "{text}: {error}");
}

#[test]
fn bad_definitions_name_their_line() {
    check_error(
        "name: x\nline a: A\nrelation r: a = b",
        3,
        "unknown line \"b\"",
    );
    check_error("name: x\nline a: A\nrelation r: a + a", 3, "has no `=`");
    check_error("name: x\nline a: A\nline a: again", 3, "used twice");
    check_error("name: x\nline candidates: C", 2, "reserved");
    check_error("name: x\nline a b: A", 2, "letters, digits");
    check_error("name: x\nline a: A\nrole voters: a", 3, "unknown role");
    check_error(
        "name: x\nline a: A\nrole valid: candidates",
        3,
        "cannot be `candidates`",
    );
    check_error("name: x\ncolumn a: A", 2, "unknown entry");
    check_error("line a: A", 1, "no `name:`");
    check_error("name: x\njust text", 2, "expected `KIND NAME: VALUE`");
}

#[test]
fn a_definition_is_data() {
    let text = "# a small protocol\nname: Test\ncountry: Nowhere\nline voters: Voters\nline ballots: Ballots\n\
                relation ballots fit: ballots <= voters\nrelation all counted: ballots = candidates\nrole registered: voters\nrole cast: ballots";
    let definition = ProtocolDefinition::parse(text).unwrap();
    assert_eq!(definition.name, "Test");
    assert_eq!(definition.country, "Nowhere");
    assert_eq!(definition.lines.len(), 2);
    let fits = &definition.relations[0];
    assert_eq!(
        (fits.left.as_slice(), fits.comparison, fits.right.as_slice()),
        (
            [Operand::Line(1)].as_slice(),
            Comparison::AtMost,
            [Operand::Line(0)].as_slice()
        )
    );
    assert_eq!(definition.relations[1].right, vec![Operand::Candidates]);
    assert_eq!(definition.roles.registered, vec![0]);
    assert_eq!(definition.roles.cast, vec![1]);
    assert!(definition.roles.valid.is_empty());
    assert_eq!(definition.describe(fits), "ballots <= voters");
}

#[test]
fn built_in_definitions() {
    let ru = ProtocolDefinition::russian_cec();
    assert_eq!(ru.country, "Russia");
    assert_eq!(ru.relations.len(), 5);
    assert_eq!(ru.roles.issued.len(), 3);
    assert_eq!(ru.roles.cast.len(), 2);
    let kz = ProtocolDefinition::kazakhstan_2019();
    assert_eq!(kz.country, "Kazakhstan");
    assert_eq!(kz.relations.len(), 6);
    assert_eq!(
        kz.lines.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
        [
            "registered",
            "received",
            "issued",
            "cancelled",
            "cast",
            "invalid",
            "valid"
        ]
    );
}

#[test]
fn comparisons_hold_as_written() {
    for (comparison, left, right, holds) in [
        (Comparison::Equal, 5, 5, true),
        (Comparison::Equal, 5, 4, false),
        (Comparison::AtMost, 4, 5, true),
        (Comparison::AtMost, 5, 5, true),
        (Comparison::AtMost, 6, 5, false),
        (Comparison::AtLeast, 6, 5, true),
        (Comparison::AtLeast, 4, 5, false),
    ] {
        assert_eq!(
            comparison.holds(left, right),
            holds,
            "{left} {} {right}",
            comparison.symbol()
        );
    }
}

#[test]
fn labels_and_names_may_carry_their_russian_form() {
    let text = "name: T\nline voters: Voters | Избиратели\nline ballots: Ballots\nrelation fits | помещается: ballots <= voters";
    let definition = ProtocolDefinition::parse(text).unwrap();
    assert_eq!(
        (
            definition.lines[0].label.as_str(),
            definition.lines[0].label_ru.as_deref()
        ),
        ("Voters", Some("Избиратели"))
    );
    assert_eq!(definition.lines[1].label_ru, None);
    let relation = &definition.relations[0];
    assert_eq!(
        (relation.name.as_str(), relation.name_ru.as_deref()),
        ("fits", Some("помещается"))
    );
    let russian = definition.describe_with(
        relation,
        |l| l.label_ru.as_deref().unwrap_or(&l.label),
        "сумма",
    );
    assert_eq!(russian, "ballots <= избиратели");
    for built_in in [
        ProtocolDefinition::russian_cec(),
        ProtocolDefinition::kazakhstan_2019(),
    ] {
        assert!(built_in.lines.iter().all(|l| l.label_ru.is_some()));
        assert!(built_in.relations.iter().all(|r| r.name_ru.is_some()));
    }
}
