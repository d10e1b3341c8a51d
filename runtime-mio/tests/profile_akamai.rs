//! Every built-in browser profile, converted by `h2_config` and sent by a proto-h2 client,
//! is seen by a proto-h2 server (the code our own server fingerprints clients with) as the
//! profile's Akamai HTTP/2 fingerprint, and as the browser's published string where one is
//! cited.

use proto_h2::conn::{Event, Request};
use proto_h2::pair::Pair;
use runtime_mio::profile::h2_config;
use std::time::Instant;
use tls::profile::BUILT_IN;

/// Published Akamai strings (issue 14): Chrome and Firefox as the browsers send them;
/// Safari 18.0's as curl-impersonate recorded it (`curl_safari180`: SETTINGS
/// `2:0;3:100;4:2097152;8:1;9:1`, WINDOW_UPDATE 10420225, pseudo-headers `msap`; see
/// `tls::profile`'s "Recorded requests").
const PUBLISHED: &[(&str, &str)] = &[
    (
        "chrome",
        "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p",
    ),
    ("firefox", "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s"),
    ("safari", "2:0;3:100;4:2097152;8:1;9:1|10420225|0|m,s,a,p"),
];

#[test]
fn each_profile_is_fingerprinted_as_itself() {
    for profile in BUILT_IN {
        let config = h2_config(profile).unwrap();
        let mut p = Pair::new(Instant::now(), config, proto_h2::conn::Config::server());
        // The profile's default fields, given in reverse so that the config's order shows.
        // An empty value is a position only (`cookie`): two cookie crumbs, given last, go
        // there in their order.
        let crumbs: [(&[u8], &[u8]); 2] = [(b"cookie", b"a=1"), (b"cookie", b"b=2")];
        let fields: Vec<(&[u8], &[u8])> = profile
            .http2_headers
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .rev()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .chain(crumbs)
            .collect();
        let req = Request {
            headers: &fields,
            ..Request::get(b"https", b"example.com", b"/")
        };
        p.client.send_request(&req, true).unwrap();
        p.drive();
        assert!(
            p.server_error.is_none(),
            "{}: {:?}",
            profile.name,
            p.server_error
        );
        let fp = p.server.peer_fingerprint();
        assert!(fp.is_complete(), "{}", profile.name);
        let akamai = fp.akamai_string();
        assert_eq!(akamai, profile.http2.akamai_text(), "{}", profile.name);
        if let Some((_, published)) = PUBLISHED.iter().find(|(n, _)| *n == profile.name) {
            assert_eq!(akamai, *published, "{}", profile.name);
        }
        // The HEADERS priority (not in the Akamai string) arrives as the profile says.
        let got = fp
            .headers_priority()
            .map(|p| (p.exclusive, p.dependency.value(), u16::from(p.weight) + 1));
        let want = profile
            .http2
            .headers_priority
            .map(|p| (p.exclusive, p.stream_dependency, p.weight));
        assert_eq!(got, want, "{}", profile.name);
        // The regular fields arrive in the profile's order, whatever order the caller used.
        let head = p
            .server_events
            .iter()
            .find_map(|e| match e {
                Event::Request { head, .. } => Some(head),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{}: no request", profile.name));
        let names: Vec<(&[u8], &[u8])> = head.fields.headers().collect();
        let want: Vec<(&[u8], &[u8])> = profile
            .http2_headers
            .iter()
            .flat_map(|(n, v)| {
                if v.is_empty() {
                    assert_eq!(
                        *n, "cookie",
                        "{}: a position other than cookie",
                        profile.name
                    );
                    crumbs.to_vec()
                } else {
                    vec![(n.as_bytes(), v.as_bytes())]
                }
            })
            .collect();
        assert_eq!(names, want, "{}", profile.name);
    }
}
