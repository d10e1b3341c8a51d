//! What [`Client::request`](super::Client::request) does around each exchange: the default
//! `Accept-Encoding`, the cookie store (`Cookie` out, `Set-Cookie` in, on every hop), the
//! redirect policy, and the decoder for the final response.
//!
//! Redirects (as browsers follow them, per the Fetch standard's "HTTP-redirect fetch"):
//! 301 and 302 turn a POST into a GET without body, 303 turns any method but HEAD into a
//! GET without body, 307 and 308 send the same method and body again. When the body is
//! dropped, so are the fields that described it (`Content-Type`, `Content-Length`,
//! `Content-Encoding`, `Content-Language`, `Content-Location`, `Transfer-Encoding`). A hop to
//! another origin drops the caller's `Authorization`, `Proxy-Authorization`, `Cookie` and
//! `Host` fields (the store's cookies for the new URL still go). The body of a redirect
//! response is read and dropped when it is at most [`DRAIN_LIMIT`] bytes (an HTTP/1.1
//! connection stays reusable); a longer one is cancelled (the connection closes, an HTTP/2
//! stream is reset).

use super::body::{Response, Wait};
use super::decode;
use super::error::Error;
use super::upload::ReqBody;
use super::url::Url;
use super::{Client, FromPage, Request, SiteContext};

/// The largest redirect body read to keep its connection; a longer one is cancelled.
pub(crate) const DRAIN_LIMIT: usize = 64 * 1024;

/// Which redirects [`Client::request`](super::Client::request) follows. Whatever the
/// policy, a redirect that would send a [`BodyWriter`](super::BodyWriter)'s body again (307,
/// 308, or 301/302 of another method than POST) is returned unfollowed: that body was
/// streamed once and is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirects {
    /// None: a 3xx response is returned as it is.
    None,
    /// Up to `limit` redirects to any `http`/`https` URL; one more is
    /// [`Error::TooManyRedirects`].
    Follow {
        /// The most redirects followed.
        limit: usize,
    },
    /// Up to `limit` redirects within the request's origin (scheme, host, port); a redirect
    /// elsewhere is returned as it is (the 3xx response, its `Location` unfollowed).
    SameOrigin {
        /// The most redirects followed.
        limit: usize,
    },
}

impl Default for Redirects {
    /// `Follow { limit: 10 }`.
    fn default() -> Self {
        Redirects::Follow { limit: 10 }
    }
}

/// One redirect followed: the URL asked and the status that answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The URL requested.
    pub url: Url,
    /// The redirect status it answered with (301, 302, 303, 307, 308).
    pub status: u16,
}

fn has_header(headers: &[(String, Vec<u8>)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

fn drop_headers(req: &mut Request, names: &[&str]) {
    req.headers
        .retain(|(n, _)| !names.iter().any(|d| n.eq_ignore_ascii_case(d)));
}

/// Reads and drops a redirect's body when it is short; cancels it otherwise.
fn discard(mut resp: Response) {
    let mut n = 0;
    let body = resp.body();
    while let Ok(Some(b)) = body.chunk(Wait::Block) {
        n += b.len();
        if n > DRAIN_LIMIT {
            body.cancel_handle().cancel();
            return;
        }
    }
}

/// Adds the fields the client sends of its own accord, unless the caller set them:
/// `Accept-Encoding` when `decoding` (a profile sends its own, in its place: `Client::send`)
/// and `Cookie` from the client's store for `req`'s site context, after the redirects through
/// `chain` (RFC 6265bis 5.2: the page it comes from and every earlier hop decide). Returns
/// that context, which also decides the cookies the response may set.
pub(super) fn add_client_fields<'a>(
    req: &mut Request,
    client: &Client,
    decoding: bool,
    chain: impl IntoIterator<Item = &'a Url>,
) -> SiteContext {
    // Not copied into the fields: where it goes among them (`ACCEPT_ENCODING`, static).
    req.accept_encoding_at = (decoding
        && client.inner.config.profile.is_none()
        && !has_header(&req.headers, "accept-encoding"))
    .then_some(req.headers.len());
    let site = SiteContext::of(
        &req.url,
        &req.method,
        req.initiator.as_ref().map(|(page, _)| page),
        !matches!(req.initiator, Some((_, FromPage::Subresource))),
        chain,
    );
    if let Some(jar) = &client.inner.cookies
        && !has_header(&req.headers, "cookie")
        && let Some(v) = jar.header_in(&req.url, site)
    {
        req.headers.push(("Cookie".to_owned(), v.into_bytes()));
    }
    site
}

/// Runs `req` with its redirects, cookies and decoding.
///
/// Each hop moves the request's method and fields into the exchange ([`Client::send`]);
/// only a redirect copies them back, so a request that is not redirected is never copied.
pub(super) fn run(client: &Client, mut req: Request) -> Result<Response, Error> {
    let config = &client.inner.config;
    let policy = req.redirects.unwrap_or(config.redirects);
    let decoding = req.decompress.unwrap_or(config.decompress);
    let jar = client.cookie_jar();
    let mut history: Vec<super::Hop> = Vec::new();
    // The total timeout covers every hop.
    let total_from = std::time::Instant::now();
    // Every hop waits with the request's signal (one taken from it before the call).
    let (shared, unshared) = (req.cancel_signal(), super::cancel::Cancel::unshared());
    let cancel = shared.as_deref().unwrap_or(&unshared);
    loop {
        cancel.check()?;
        // The caller's fields, before this hop's own.
        let own_fields = req.headers.len();
        let site = add_client_fields(&mut req, client, decoding, history.iter().map(|h| &h.url));
        let (mut resp, sent) = client.send(&mut req, total_from, cancel)?;
        let url = &req.url;
        if let Some(jar) = &jar {
            for (n, v) in resp.headers() {
                if n.eq_ignore_ascii_case("set-cookie")
                    && let Ok(v) = std::str::from_utf8(v)
                {
                    jar.set_cookie_in(url, v, site);
                }
            }
        }
        let status = resp.status();
        let limit = match policy {
            Redirects::None => None,
            Redirects::Follow { limit } | Redirects::SameOrigin { limit } => Some(limit),
        };
        let location = match (matches!(status, 301 | 302 | 303 | 307 | 308), limit) {
            (true, Some(_)) => resp
                .header("location")
                .map(|l| String::from_utf8_lossy(l).into_owned()),
            _ => None,
        };
        if let (Some(location), Some(limit)) = (location, limit) {
            let next = url.join(&location)?;
            let cross = next.origin != url.origin;
            let method = &*sent.method;
            let to_get = match status {
                301 | 302 => method == "POST",
                303 => method != "HEAD",
                _ => false,
            };
            // A streamed body (a `BodyWriter`'s) was sent once and cannot be sent again: a
            // redirect that would resend it is handed over unfollowed.
            let resend_impossible = !to_get && matches!(req.body, ReqBody::Writer(..));
            let held_back = cross && matches!(policy, Redirects::SameOrigin { .. });
            if !held_back && !resend_impossible {
                discard(resp);
                if history.len() >= limit {
                    return Err(Error::TooManyRedirects { limit });
                }
                // The request again, as the caller made it: its method and its own fields
                // (without this hop's `Accept-Encoding` and `Cookie`).
                req.method = sent.method.clone();
                if config.profile.is_some() {
                    // `send` merged copies into the profile's fields; the request kept its own.
                    req.headers.truncate(own_fields);
                } else {
                    req.headers = sent.headers[..own_fields].to_vec();
                }
                history.push(super::Hop {
                    url: req.url.clone(),
                    status,
                });
                if to_get {
                    req.method = "GET".into();
                    req.body = ReqBody::Bytes(bytes::Bytes::new());
                    drop_headers(
                        &mut req,
                        &[
                            "content-type",
                            "content-length",
                            "content-encoding",
                            "content-language",
                            "content-location",
                            "transfer-encoding",
                        ],
                    );
                }
                if cross {
                    // A server name given for the first origin is not the next one's.
                    req.server_name = None;
                    drop_headers(
                        &mut req,
                        &["authorization", "proxy-authorization", "cookie", "host"],
                    );
                }
                req.url = next;
                continue;
            }
        }
        let codings = if decoding
            && sent.method != "HEAD"
            && !matches!(status, 100..=199 | 204 | 206 | 304)
        {
            decode::codings(resp.headers()).unwrap_or_default()
        } else {
            Vec::new()
        };
        resp.set_delivery(req.url, history, codings);
        return Ok(resp);
    }
}
