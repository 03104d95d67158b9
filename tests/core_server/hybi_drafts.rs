//! `Options::hybi_drafts`: the drafts' `Sec-WebSocket-Version` 7 and 8 are
//! answered by default and refused when it is off (the websocket-driver
//! gem answers only 13), by a server fed raw bytes and by the Rack driver.

use wsdriver::{Driver, Headers, Options, ReadyState, Request};

use crate::common::*;

fn gem_like() -> Options {
    Options {
        hybi_drafts: false,
        ..Options::default()
    }
}

const REFUSED: &str = "Unsupported WebSocket version: 13";

#[test]
fn drafts_are_answered_by_default() {
    assert!(Options::default().hybi_drafts);
    for v in ["7", "8"] {
        let mut d = Driver::server(Options::default());
        let a = run(&mut d, &[&request_version(v)]);
        assert_eq!(a, vec![connect(), w(RESPONSE_101), open()], "version {v}");
        assert_eq!(d.version(), Some(format!("hybi-{v}").as_str()));
    }
}

#[test]
fn without_drafts_a_server_refuses_versions_7_and_8_at_start() {
    for v in ["7", "8"] {
        let make = || Driver::server(gem_like());
        let mut expected = vec![connect()];
        expected.extend(rejected(REFUSED));
        assert_eq!(
            feed_all_ways(&make, &request_version(v)),
            expected,
            "version {v}"
        );
        // Still a hybi driver, named as the refusal names it (the gem's
        // `version` is always hybi-13).
        let mut d = make();
        d.parse(&request_version(v));
        assert_eq!(d.version(), Some("hybi-13"), "version {v}");
        run(&mut d, &[]);
        assert_eq!(d.state(), ReadyState::Closed);
    }
}

#[test]
fn without_drafts_version_13_is_answered() {
    let make = || Driver::server(gem_like());
    assert_eq!(
        feed_all_ways(&make, &request_version("13")),
        vec![connect(), w(RESPONSE_101), open()]
    );
}

#[test]
fn without_drafts_the_rack_driver_refuses_version_8() {
    let rack = |version: &str, opts: Options| {
        let mut h = Headers::new();
        h.append("Host", "example.com");
        h.append("Upgrade", "websocket");
        h.append("Connection", "Upgrade");
        h.append("Sec-WebSocket-Key", KEY);
        h.append("Sec-WebSocket-Version", version);
        let req = Request {
            method: "GET".into(),
            target: "/".into(),
            headers: h,
        };
        Driver::rack(req, None, b"", opts)
    };
    let mut d = rack("8", gem_like());
    assert_eq!(d.version(), Some("hybi-13"));
    assert!(d.start().is_err());
    assert_eq!(drain(&mut d), rejected(REFUSED));
    assert_eq!(d.state(), ReadyState::Closed);

    let mut d = rack("8", Options::default());
    assert_eq!(d.version(), Some("hybi-8"));
    d.start().unwrap();
    assert_eq!(drain(&mut d), vec![w(RESPONSE_101), open()]);
}

#[test]
fn an_unknown_version_is_reported_as_the_refusal_names_it() {
    let mut d = Driver::server(Options::default());
    let a = run(&mut d, &[&request_version("99")]);
    assert_eq!(d.version(), Some("hybi-13"));
    let mut expected = vec![connect()];
    expected.extend(rejected(REFUSED));
    assert_eq!(a, expected);
}
