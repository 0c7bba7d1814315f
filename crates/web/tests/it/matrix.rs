//! Every route × every role: allowed and forbidden. Each role gets a fresh app and database,
//! signs in through the form (the public visitor does not), and walks the whole table in order;
//! changes come after reads so that they do not disturb them.

use axum::body::Body;
use axum::http::{Request, header};

use crate::{Fixture, ROLES, TestApp};

/// What a role should get: a status code, or `login` for a redirect to the sign-in page.
type Expected = [&'static str; 5];

/// The columns of `Expected`.
const COLUMNS: [&str; 5] = ["admin", "coordinator", "volunteer", "analyst", "public"];

enum Call {
    Get(&'static str),
    Form(&'static str, &'static [(&'static str, &'static str)]),
    Json(&'static str, &'static str),
}

const STAFF_PAGE: Expected = ["200", "200", "200", "200", "login"];
const STAFF_API: Expected = ["200", "200", "200", "200", "401"];
const ANYONE: Expected = ["200", "200", "200", "200", "200"];
const CREATORS_PAGE: Expected = ["200", "200", "200", "403", "login"];
const CREATORS_POST: Expected = ["303", "303", "303", "403", "401"];

const ROUTES: &[(Call, Expected)] = &[
    (Call::Get("/"), ["303", "303", "303", "303", "200"]),
    (Call::Get("/login"), ANYONE),
    (Call::Get("/static/kuzet.css"), ANYONE),
    (Call::Get("/public"), ANYONE),
    (Call::Get("/dashboard"), STAFF_PAGE),
    (Call::Get("/persons"), STAFF_PAGE),
    (Call::Get("/persons?status=held&sort=name_asc"), STAFF_PAGE),
    (Call::Get("/persons/new"), CREATORS_PAGE),
    (Call::Get("/persons/{published}"), STAFF_PAGE),
    (Call::Get("/persons/{private}"), STAFF_PAGE),
    (Call::Get("/persons/{published}/edit"), ["200", "200", "403", "403", "login"]),
    (Call::Get("/persons/{published}/detentions/new"), CREATORS_PAGE),
    (Call::Get("/persons/{private}/delete"), ["200", "200", "403", "403", "login"]),
    (Call::Get("/persons/{published}/detentions/{detention}/decisions/new"), CREATORS_PAGE),
    (Call::Get("/persons/{published}/detentions/{detention}/edit"), ["200", "200", "403", "403", "login"]),
    (Call::Get("/persons/{published}/detentions/{detention}/transfers/new"), CREATORS_PAGE),
    (Call::Get("/persons/{published}/detentions/{detention}/custody/new"), CREATORS_PAGE),
    (Call::Get("/persons/{published}/detentions/{detention}/nonsense/new"), ["404", "404", "404", "404", "404"]),
    (Call::Get("/public.csv"), ANYONE),
    (Call::Get("/import"), ["200", "200", "403", "403", "login"]),
    (Call::Get("/account/tokens"), STAFF_PAGE),
    (Call::Get("/admin/users"), ["200", "403", "403", "403", "login"]),
    (Call::Get("/account/totp"), STAFF_PAGE),
    (Call::Get("/duplicates"), ["200", "200", "403", "200", "login"]),
    (Call::Get("/api/v1/duplicates"), ["200", "200", "403", "200", "401"]),
    (Call::Get("/audit"), ["200", "200", "403", "200", "login"]),
    (Call::Get("/audit?verify=1&entity=person"), ["200", "200", "403", "200", "login"]),
    (Call::Get("/events"), STAFF_PAGE),
    (Call::Get("/events/new"), ["200", "200", "403", "403", "login"]),
    (Call::Get("/events/{almaty}/claims/new"), ["200", "200", "403", "403", "login"]),
    (Call::Get("/events/{almaty}"), STAFF_PAGE),
    (Call::Get("/api/openapi.json"), ANYONE),
    (Call::Get("/api/v1/persons"), STAFF_API),
    (Call::Get("/api/v1/persons/{published}"), STAFF_API),
    (Call::Get("/api/v1/events"), STAFF_API),
    (Call::Get("/api/v1/events/{almaty}"), STAFF_API),
    (Call::Get("/api/v1/dashboard"), STAFF_API),
    (Call::Get("/api/v1/public/persons"), ANYONE),
    (Call::Form("/persons", &[("name", "Matrix Person"), ("consent", "not_asked")]), CREATORS_POST),
    (
        Call::Form(
            "/persons/{published}/detentions",
            &[("detained_at", "10.06.2019 12:00"), ("source_kind", "post"), ("source_reference", "https://example.invalid/p")],
        ),
        CREATORS_POST,
    ),
    (
        Call::Form(
            "/persons/{published}/detentions/{detention}/decisions",
            &[
                ("authority", "Court"),
                ("decided_on", "10.06.2019"),
                ("outcome", "fine"),
                ("amount", "126250"),
                ("source_kind", "lawyer"),
                ("source_reference", "lawyer of the family"),
            ],
        ),
        CREATORS_POST,
    ),
    (
        Call::Form(
            "/persons/{published}/detentions/{detention}/transfers",
            &[("from_place", "Police station"), ("to_place", "Detention centre"), ("source_reference", "relative")],
        ),
        CREATORS_POST,
    ),
    (
        Call::Form(
            "/persons/{published}/detentions/{detention}/custody",
            &[("place", "Detention centre"), ("from", "10.06.2019"), ("source_reference", "relative")],
        ),
        CREATORS_POST,
    ),
    (
        Call::Form(
            "/persons/{published}/detentions/{detention}/edit",
            &[("detained_at", "09.06.2019 14:00"), ("released_at", "09.06.2019 20:00")],
        ),
        ["303", "303", "403", "403", "401"],
    ),
    (Call::Form("/events/new", &[("title", "Rally"), ("date", "12.06.2019"), ("city", "Almaty")]), ["303", "303", "403", "403", "401"]),
    (
        Call::Form(
            "/events/{almaty}/claims",
            &[
                ("said_by", "Ministry"),
                ("said_on", "12.06.2019"),
                ("qualifier", "about"),
                ("value", "100"),
                ("source_url", "https://example.invalid/c"),
            ],
        ),
        ["303", "303", "403", "403", "401"],
    ),
    (Call::Json("/api/v1/persons", r#"{"name":"Api Person","roles":["journalist"]}"#), ["201", "201", "201", "403", "401"]),
    (
        Call::Form("/persons/{published}/edit", &[("version", "{version}"), ("name", "Aigerim Testova"), ("consent", "given")]),
        ["303", "303", "403", "403", "401"],
    ),
    (Call::Form("/persons/{private}/publication", &[("approved", "true")]), ["303", "303", "403", "403", "401"]),
    (Call::Form("/duplicates/not-duplicate", &[("a", "{published}"), ("b", "{private}")]), ["303", "303", "403", "403", "401"]),
    (Call::Form("/account/tokens", &[("name", "matrix"), ("scopes", "read")]), ["200", "200", "200", "200", "401"]),
    (Call::Form("/persons/{private}/delete", &[("version", "{private_version}")]), ["303", "303", "403", "403", "401"]),
    (Call::Form("/admin/users", &[("username", "newcomer"), ("role", "volunteer")]), ["200", "403", "403", "403", "401"]),
    (Call::Form("/admin/users/4/reset", &[]), ["200", "403", "403", "403", "401"]),
    (Call::Form("/admin/users/4/totp-disable", &[]), ["200", "403", "403", "403", "401"]),
    (Call::Form("/import/mapping", &[("upload", "no-such-upload"), ("mode", "check")]), ["410", "410", "403", "403", "401"]),
    (Call::Form("/logout", &[]), ["303", "303", "303", "303", "303"]),
];

fn fill(template: &str, fixture: &Fixture, (version, private_version): (i64, i64)) -> String {
    template
        .replace("{published}", &fixture.published.0.to_string())
        .replace("{private}", &fixture.private.0.to_string())
        .replace("{almaty}", &fixture.almaty.0.to_string())
        .replace("{detention}", &fixture.detention.0.to_string())
        .replace("{version}", &version.to_string())
        .replace("{private_version}", &private_version.to_string())
}

fn outcome(reply: &crate::Reply) -> String {
    if reply.status.as_u16() == 303 && reply.header("location").starts_with("/login") {
        "login".to_owned()
    } else {
        reply.status.as_u16().to_string()
    }
}

#[tokio::test]
async fn every_route_for_every_role() {
    let mut failures = Vec::new();
    for (column, role) in COLUMNS.iter().enumerate() {
        let (mut app, fixture) = TestApp::with_fixture().await;
        if ROLES.iter().any(|(name, _)| name == role) {
            app.login(role).await;
        }
        let csrf = app.csrf().await;
        for (call, expected) in ROUTES {
            let system = kuzet_register::Actor::system();
            let version = app.store.person(&system, fixture.published).await.unwrap().person.version;
            let private_version = app.store.person(&system, fixture.private).await.map(|page| page.person.version).unwrap_or(0);
            let version = (version, private_version);
            let (label, reply) = match call {
                Call::Get(path) => {
                    let path = fill(path, &fixture, version);
                    (format!("GET {path}"), app.get(&path).await)
                }
                Call::Form(path, fields) => {
                    let path = fill(path, &fixture, version);
                    let values: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), fill(v, &fixture, version))).collect();
                    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                    all.extend(values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    (format!("POST {path}"), app.post_form(&path, &all).await)
                }
                Call::Json(path, body) => {
                    let request = Request::post(*path)
                        .header(header::CONTENT_TYPE, "application/json")
                        .header("x-csrf-token", &csrf)
                        .body(Body::from(*body))
                        .unwrap();
                    (format!("POST {path} (JSON)"), app.send(request).await)
                }
            };
            let actual = outcome(&reply);
            if actual != expected[column] {
                failures.push(format!("{role:>11} {label}: expected {}, got {actual}", expected[column]));
            }
        }
    }
    assert!(failures.is_empty(), "route × role mismatches:\n{}", failures.join("\n"));
}
