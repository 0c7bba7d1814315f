//! Integration tests of the web app, driven in-process through the router with
//! `tower::ServiceExt::oneshot`: no sockets, a fresh app for each test.

mod api;
mod auth;
mod duplicates;
mod elections;
mod import;
mod matrix;
mod pages;
mod register;
mod search;
mod security;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use kuzet_register::{
    Actor, City, ClaimedCount, Consent, Decision, Detention, Event, OfficialClaim, Outcome, Person, PersonName, Role, Source, SourceKind,
    parse_date, parse_date_time,
};
use kuzet_store::{Clock, EventId, FactRef, NewDetention, NewPerson, PersonId, Store};
use kuzet_web::{AppState, WebConfig};
use tower::ServiceExt;

/// The password of every test account (the store wants at least ten characters).
pub const PASSWORD: &str = "correct horse battery";

/// The roles that sign in, by user name; the public visitor signs in as nobody.
pub const ROLES: [(&str, Role); 4] =
    [("admin", Role::Admin), ("coordinator", Role::Coordinator), ("volunteer", Role::Volunteer), ("analyst", Role::Analyst)];

/// What the fixture stored.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub almaty: EventId,
    pub nur_sultan: EventId,
    /// Consented: in the public list.
    pub published: PersonId,
    /// Refused publication; has contact details.
    pub private: PersonId,
    pub detention: kuzet_store::DetentionId,
}

/// One app under test plus the cookies of one browser.
pub struct TestApp {
    router: Router,
    pub store: Store,
    pub clock: Clock,
    /// `name=value` pairs that the browser sends back, as a `Cookie` header would.
    pub cookies: Vec<(String, String)>,
}

/// What a request returned.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }
}

impl TestApp {
    /// A fresh app on an empty in-memory store with a manual clock.
    pub async fn new() -> TestApp {
        let clock = Clock::manual(time::macros::datetime!(2026-11-25 09:00 UTC));
        let store = Store::open_in_memory().await.expect("an in-memory store opens").with_clock(clock.clone());
        TestApp::on(store, clock)
    }

    pub fn on(store: Store, clock: Clock) -> TestApp {
        let state = AppState::new(store.clone(), WebConfig::default());
        TestApp { router: kuzet_web::router(state), store, clock, cookies: Vec::new() }
    }

    /// Another browser on the same app and database.
    pub fn browser(&self) -> TestApp {
        TestApp { router: self.router.clone(), store: self.store.clone(), clock: self.clock.clone(), cookies: Vec::new() }
    }

    /// A fresh app with one account per role and the small register of `fixture`.
    pub async fn with_fixture() -> (TestApp, Fixture) {
        let app = TestApp::new().await;
        for (name, role) in ROLES {
            app.store.add_user(&Actor::system(), name, PASSWORD, role).await.expect("the account is created");
        }
        let fixture = fixture(&app.store).await;
        (app, fixture)
    }

    /// Signs in through the form, as a browser would, and returns the page it lands on.
    pub async fn login(&mut self, username: &str) -> Reply {
        let form = self.get("/login").await;
        let csrf = csrf_in(&form.body);
        let reply = self.post_form("/login", &[("csrf", &csrf), ("username", username), ("password", PASSWORD), ("next", "/")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "signing in as {username}: {}", reply.body);
        reply
    }

    /// The CSRF token of the signed-in session, read from a page's form.
    /// For a visitor who is not signed in, the token of the `kuzet_csrf` cookie.
    pub async fn csrf(&mut self) -> String {
        let page = self.get("/public").await;
        match self.cookie("kuzet_session") {
            Some(_) => csrf_in(&page.body),
            None => self.cookie("kuzet_csrf").expect("a visitor gets a CSRF cookie"),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    /// Sends `request` with the browser's cookies and keeps the cookies the reply sets.
    pub async fn send(&mut self, mut request: Request<Body>) -> Reply {
        if !self.cookies.is_empty() && !request.headers().contains_key(header::COOKIE) {
            request.headers_mut().insert(header::COOKIE, self.cookie_header().parse().unwrap());
        }
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body is readable");
        let reply = Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() };
        for cookie in reply.set_cookies() {
            let pair = cookie.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            self.cookies.retain(|(existing, _)| existing != name);
            let deleted = cookie.contains("Max-Age=0");
            if !deleted {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    /// Posts a form; `fields` are sent URL-encoded in order.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body)).unwrap();
        self.send(request).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The value of the hidden `csrf` field in a page.
pub fn csrf_in(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("the page has a CSRF field") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// Two events, a claim, a published and a private person with a detention and a decision.
pub async fn fixture(store: &Store) -> Fixture {
    let system = Actor::system();
    let date = parse_date("09.06.2019").unwrap();
    let almaty = store
        .add_event(&system, &Event::new("Rally on election day", date, City::parse("Almaty").unwrap(), "Astana Square").unwrap())
        .await
        .unwrap();
    let nur_sultan = store
        .add_event(&system, &Event::new("Rally on election day", date, City::parse("Nur-Sultan").unwrap(), "Central Square").unwrap())
        .await
        .unwrap();
    let claim = OfficialClaim {
        said_by: "Deputy minister of internal affairs".into(),
        said_on: parse_date("10.06.2019").unwrap(),
        count: ClaimedCount::About(500),
        subject: "detained in Almaty and Nur-Sultan".into(),
        source_url: "https://example.invalid/claim".into(),
    };
    store.add_official_claim(&system, Some(almaty), &claim).await.unwrap();

    let mut person = Person::new(PersonName::parse("Aigerim Testova").unwrap());
    person.city = Some(City::parse("Almaty").unwrap());
    person.consent = Consent::Given;
    let published = store.add_person(&system, &NewPerson::new(person)).await.unwrap();
    let mut detention = Detention::new(parse_date_time("09.06.2019 14:00").unwrap());
    detention.set_released_at(Some(parse_date_time("09.06.2019 22:30").unwrap())).unwrap();
    detention.police_station = "Bostandyk district police department".into();
    let detention = store.add_detention(&system, published, &NewDetention { event_id: Some(almaty), detention }).await.unwrap();
    let decision = Decision {
        authority: "Specialised administrative court of Almaty".into(),
        decided_on: parse_date("10.06.2019").unwrap(),
        hearing_minutes: Some(10),
        lawyer_present: Some(false),
        article: None,
        outcome: Outcome::AdministrativeArrest { days: 15 },
    };
    let decision = store.add_decision(&system, detention, &decision).await.unwrap();
    let source = Source::new(SourceKind::Post, "https://example.invalid/post/1", false).unwrap();
    store.add_source(&system, FactRef::Decision(decision), &source).await.unwrap();

    let mut person = Person::new(PersonName::parse("Bolat Sampleuly").unwrap());
    person.city = Some(City::parse("Nur-Sultan").unwrap());
    person.consent = Consent::Refused;
    person.contact = "+7 000 000 0001".into();
    let private = store.add_person(&system, &NewPerson::new(person)).await.unwrap();
    let arrest = Detention::new(parse_date_time("09.06.2019 16:00").unwrap());
    store.add_detention(&system, private, &NewDetention { event_id: Some(nur_sultan), detention: arrest }).await.unwrap();
    Fixture { almaty, nur_sultan, published, private, detention }
}
