//! The client's cookie store fed any `Set-Cookie` values from any of a few origins (and one
//! fuzzed URL): never a panic, and the store stays within its bounds and sends only what a
//! request may carry. After every operation: at most `MAX_COOKIES` cookies, at most
//! `MAX_COOKIES_PER_DOMAIN` for one domain, each with a name, a name and value within
//! `MAX_COOKIE_SIZE` and free of control characters (RFC 6265bis 5.7 ignores such a cookie),
//! a path that starts with `/` and a lowercase domain without a leading dot. A `Cookie` field
//! the store writes is a valid field value (no control character but HTAB) made only of
//! cookies that match the request's URL.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use runtime_mio::client::{
    CookieJar, MAX_COOKIE_SIZE, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN, SiteContext, Url,
};

const URLS: [&str; 6] = [
    "https://example.com/app/page",
    "http://example.com/",
    "https://www.example.com/app/x?y=1",
    "https://a.b.example.co.uk/deep/er/path",
    "http://127.0.0.1:8080/x",
    "https://[::1]/",
];

#[derive(Arbitrary, Debug)]
enum Op<'a> {
    Set { url: u8, line: &'a str, context: u8 },
    Header { url: u8, context: u8 },
    Clear,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// A seventh URL to set and read from, when it parses.
    url: &'a str,
    ops: Vec<Op<'a>>,
}

fn context(choice: u8) -> SiteContext {
    match choice % 3 {
        0 => SiteContext::SameSite,
        1 => SiteContext::CrossSiteNavigation,
        _ => SiteContext::CrossSite,
    }
}

fn is_ctl(c: char) -> bool {
    c.is_ascii_control() && c != '\t'
}

fn check_store(jar: &CookieJar) {
    let cookies = jar.cookies();
    assert!(cookies.len() <= MAX_COOKIES);
    for c in &cookies {
        assert!(!c.name.is_empty());
        assert!(c.name.len() + c.value.len() <= MAX_COOKIE_SIZE);
        assert!(
            !c.name.contains(is_ctl) && !c.value.contains(is_ctl),
            "control character stored: {c:?}"
        );
        assert!(c.path.starts_with('/'), "{c:?}");
        assert!(!c.domain.starts_with('.') && c.domain == c.domain.to_ascii_lowercase());
        let in_domain = cookies.iter().filter(|d| d.domain == c.domain).count();
        assert!(in_domain <= MAX_COOKIES_PER_DOMAIN);
    }
}

fuzz_target!(|input: Input<'_>| {
    let mut urls: Vec<Url> = URLS.iter().map(|u| Url::parse(u).unwrap()).collect();
    if let Ok(u) = Url::parse(input.url) {
        urls.push(u);
    }
    let jar = CookieJar::new();
    for op in input.ops.iter().take(256) {
        match op {
            Op::Set {
                url,
                line,
                context: c,
            } => {
                let url = &urls[usize::from(*url) % urls.len()];
                jar.set_cookie_in(url, line, context(*c));
            }
            Op::Header { url, context: c } => {
                let url = &urls[usize::from(*url) % urls.len()];
                if let Some(field) = jar.header_in(url, context(*c)) {
                    assert!(!field.is_empty());
                    assert!(!field.contains(is_ctl), "{field:?}");
                    let matching = jar.cookies().into_iter().filter(|c| c.matches(url)).count();
                    assert!(matching > 0);
                }
            }
            Op::Clear => jar.clear(),
        }
        check_store(&jar);
    }
});
