//! Reference resolution (RFC 3986 5.2): a redirect's `Location` against the URL it answered.

use super::error::Error;
use super::url::{Url, percent_encode_target};

/// Whether `s` starts with a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
fn has_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// RFC 3986 5.2.4: removes `.` and `..` segments from a path.
pub(crate) fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut out = String::with_capacity(path.len());
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix("./") {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." { "/" } else { &input[3..] };
            match out.rfind('/') {
                Some(i) => out.truncate(i),
                None => out.clear(),
            }
        } else if input == "." || input == ".." {
            input = "";
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            out.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    out
}

impl Url {
    /// Resolves the reference `reference` (a redirect's `Location`: absolute, `//host/path`,
    /// `/abs`, `rel`, `?q`, with `.`/`..` segments) against this URL (RFC 3986 5.2.2). The
    /// fragment is dropped; spaces and bytes beyond ASCII are percent-encoded.
    ///
    /// ```
    /// use runtime_mio::client::Url;
    /// let base = Url::parse("http://a/b/c/d;p?q").unwrap();
    /// let join = |r: &str| {
    ///     let u = base.join(r).unwrap();
    ///     format!("{}{}", u.origin, u.target)
    /// };
    /// assert_eq!(join("g"), "http://a/b/c/g");
    /// assert_eq!(join("../../g"), "http://a/g");
    /// assert_eq!(join("?y"), "http://a/b/c/d;p?y");
    /// assert_eq!(join("//g/x"), "http://g/x");
    /// assert_eq!(join("https://h:8443/p"), "https://h:8443/p");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidRedirect`] for a reference to another scheme or one that does not
    /// parse.
    pub fn join(&self, reference: &str) -> Result<Url, Error> {
        let bad = || Error::InvalidRedirect(reference.to_owned());
        let r = reference.trim_matches(|c: char| c.is_ascii_whitespace());
        let r = r.split('#').next().unwrap_or_default();
        let r = percent_encode_target(r);
        if has_scheme(&r) {
            let mut u = Url::parse(&r).map_err(|_| bad())?;
            u.target = normalize(&u.target);
            return Ok(u);
        }
        if r.starts_with("//") {
            let abs = format!("{}:{r}", self.origin.scheme.as_str());
            let mut u = Url::parse(&abs).map_err(|_| bad())?;
            u.target = normalize(&u.target);
            return Ok(u);
        }
        let (base_path, base_query) = split_query(&self.target);
        let (path, query) = split_query(&r);
        let target_path;
        let target_query;
        if path.is_empty() {
            target_path = base_path.to_owned();
            target_query = query.or(base_query);
        } else {
            target_path = if path.starts_with('/') {
                remove_dot_segments(path)
            } else {
                // RFC 3986 5.2.3: the base path up to its last `/`, then the reference.
                let dir = base_path.rfind('/').map_or("/", |i| &base_path[..=i]);
                remove_dot_segments(&format!("{dir}{path}"))
            };
            target_query = query;
        }
        let mut target = if target_path.is_empty() {
            "/".to_owned()
        } else {
            target_path
        };
        if let Some(q) = target_query {
            target.push('?');
            target.push_str(q);
        }
        Ok(Url {
            origin: self.origin.clone(),
            target,
        })
    }
}

fn split_query(s: &str) -> (&str, Option<&str>) {
    match s.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (s, None),
    }
}

fn normalize(target: &str) -> String {
    let (path, query) = split_query(target);
    let mut t = remove_dot_segments(path);
    if t.is_empty() {
        t.push('/');
    }
    if let Some(q) = query {
        t.push('?');
        t.push_str(q);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3986 5.4.1 and 5.4.2 (the examples with an `http` result; the base's `;p` kept).
    #[test]
    fn rfc3986_examples() {
        let base = Url::parse("http://a/b/c/d;p?q").unwrap();
        let cases = [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            ("g?y#s", "http://a/b/c/g?y"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g?y/../x", "http://a/b/c/g?y/../x"),
            ("http://a/b/../c", "http://a/c"),
            ("HTTPS://Other:444/x y", "https://other:444/x%20y"),
        ];
        for (r, want) in cases {
            let u = base.join(r).unwrap();
            assert_eq!(format!("{}{}", u.origin, u.target), want, "{r}");
        }
        assert!(base.join("ftp://x/").is_err());
        assert!(base.join("mailto:x@y").is_err());
    }
}
