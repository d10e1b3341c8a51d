//! [`Request`]: what a caller asks for (method, URL, fields, body, its own timeouts, redirect
//! policy, proxy choice and cancel signal), before the client prepares it for a connection.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use super::upload::{self, BodyWriter, Piece, ReqBody};
use super::{
    CancelHandle, ClientTimeouts, Error, Multipart, Proxy, Redirects, Url, cancel,
    has_expect_continue, urlencode,
};

/// A request to send.
///
/// A clone is a new request: it gets its own cancel signal ([`Request::cancel_handle`]).
#[derive(Debug)]
pub struct Request {
    pub(super) method: Cow<'static, str>,
    pub(super) url: Url,
    pub(super) headers: Vec<(String, Vec<u8>)>,
    pub(super) body: ReqBody,
    pub(super) timeouts: Option<ClientTimeouts>,
    pub(super) decompress: Option<bool>,
    pub(super) redirects: Option<Redirects>,
    pub(super) proxy: ProxyChoice,
    pub(super) server_name: Option<String>,
    /// The page it comes from, for `SameSite` cookies; `None`: typed by the user.
    pub(super) initiator: Option<(Url, FromPage)>,
    /// The cancel signal, made by the first [`Request::cancel_handle`]: a request nobody can
    /// cancel allocates none. Set only while the caller owns the request (every call that
    /// sends it takes it by value), so a send that finds none here cannot miss a handle.
    pub(super) cancel: OnceLock<Arc<cancel::Cancel>>,
    /// The client's default `Accept-Encoding` goes before `headers[i]` (at the end when `i`
    /// is their number): set when the client adds it for a hop (`add_client_fields`), moved
    /// into [`Prepared::accept_encoding_at`](super::Prepared::accept_encoding_at) with the
    /// fields. A position rather than a field: the usual request allocates nothing for it.
    pub(super) accept_encoding_at: Option<usize>,
}

impl Clone for Request {
    fn clone(&self) -> Self {
        Request {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            timeouts: self.timeouts,
            decompress: self.decompress,
            redirects: self.redirects,
            proxy: self.proxy.clone(),
            server_name: self.server_name.clone(),
            initiator: self.initiator.clone(),
            cancel: OnceLock::new(),
            accept_encoding_at: self.accept_encoding_at,
        }
    }
}

/// What a request made from a page is ([`Request::site_for_cookies`]), which decides the
/// `SameSite=Lax` cookies that go with it cross-site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FromPage {
    /// A top-level navigation: a link followed, a form submitted, the page replaced.
    Navigation,
    /// Anything else the page fetches: `fetch()`, an image, a script, a frame.
    Subresource,
}

/// Which proxy a request goes through.
#[derive(Debug, Clone)]
pub(crate) enum ProxyChoice {
    /// The client's ([`ClientConfig::proxy`](super::ClientConfig::proxy)).
    Client,
    /// None: straight to the origin.
    Direct,
    /// This one.
    Via(Proxy),
}

/// `method` without a copy when it is one of RFC 9110's (and `PATCH`), as they are spelled
/// (methods are case-sensitive): the usual request allocates no name.
pub(super) fn method_name(method: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    KNOWN
        .into_iter()
        .find(|k| *k == method)
        .map_or_else(|| Cow::Owned(method.to_owned()), Cow::Borrowed)
}

impl Request {
    /// A request with `method` for `url`.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`]; [`Error::InvalidRequest`] for a method that is not a token.
    pub fn new(method: &str, url: &str) -> Result<Request, Error> {
        if method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(Error::InvalidRequest(format!("method {method:?}")));
        }
        Ok(Request {
            method: method_name(method),
            url: Url::parse(url)?,
            headers: Vec::new(),
            body: ReqBody::Bytes(Bytes::new()),
            timeouts: None,
            decompress: None,
            redirects: None,
            proxy: ProxyChoice::Client,
            server_name: None,
            initiator: None,
            cancel: OnceLock::new(),
            accept_encoding_at: None,
        })
    }

    /// A handle that cancels this request from any thread, at any point: before it is sent
    /// ([`Client::request`](super::Client::request) then fails at once), while it resolves,
    /// connects, goes through a proxy or waits for its head (the call returns
    /// [`Error::Cancelled`] at once), and afterwards, while its response's body is read (as
    /// [`Response::cancel_handle`](super::Response::cancel_handle)). Idempotent. Its
    /// redirects' hops share it.
    ///
    /// ```no_run
    /// use runtime_mio::client::{Client, ClientConfig, Error, Request};
    ///
    /// let client = Client::new(ClientConfig::default())?;
    /// let req = Request::get("http://127.0.0.1:8080/slow")?;
    /// let cancel = req.cancel_handle();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(100));
    ///     cancel.cancel();
    /// });
    /// assert!(matches!(client.request(req), Err(Error::Cancelled)));
    /// # Ok::<(), Error>(())
    /// ```
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle::request(Arc::clone(self.cancel.get_or_init(cancel::Cancel::new)))
    }

    /// The signal its handles cancel; `None` when no handle was taken (the request cannot
    /// be cancelled: a send waits with a [`Cancel::unshared`](cancel::Cancel::unshared) one).
    pub(super) fn cancel_signal(&self) -> Option<Arc<cancel::Cancel>> {
        self.cancel.get().cloned()
    }

    /// A GET for `url`.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`].
    pub fn get(url: &str) -> Result<Request, Error> {
        Request::new("GET", url)
    }

    /// A POST of `body` to `url`.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`].
    pub fn post(url: &str, body: impl Into<Bytes>) -> Result<Request, Error> {
        Ok(Request::new("POST", url)?.body(body))
    }

    /// Adds a header field, sent in the order added and, over HTTP/1.1, in this case
    /// (HTTP/2 sends names in lowercase). `Host` replaces the URL's authority; without
    /// `Content-Length` the body's length is sent.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Sends `Expect: 100-continue` (RFC 9110 10.1.1) unless the field is set already: the
    /// head goes first and the body waits for the server's `100 Continue`, or for
    /// [`ClientTimeouts::expect_continue`] (default 1 s, as curl), then goes anyway. A
    /// caller's own `Expect: 100-continue` field ([`Request::header`]) does the same.
    ///
    /// A final answer before the body went (a 401, 413, a redirect) is the response and the
    /// body is not sent: over HTTP/1.1 a body announced by `Content-Length` leaves the
    /// connection unusable (it is closed), a chunked one is ended empty and the connection
    /// kept when the response allows it; over HTTP/2 the stream is ended by
    /// RST_STREAM(NO_ERROR) once the response is complete (RFC 9113 8.1). A
    /// [`BodyWriter`] still writing gets [`Error::AnsweredEarly`]. A 417 (Expectation
    /// Failed) is answered by sending the request once more without the expectation (as
    /// curl does), when its body can be sent again (bytes, a file, a form; not a
    /// [`BodyWriter`]'s, whose caller gets the 417). An empty body does not wait.
    #[must_use]
    pub fn expect_continue(self) -> Self {
        if has_expect_continue(&self.headers) {
            self
        } else {
            self.header("Expect", "100-continue")
        }
    }

    /// The request body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = ReqBody::Bytes(body.into());
        self
    }

    /// The body is the file at `path`, streamed from disk in pieces when the request is
    /// sent (a thread of its own reads it), with its length (taken now) as
    /// `Content-Length`. The request can be sent again (each send reads the file anew).
    ///
    /// # Errors
    /// [`Error::RequestBody`] when the file's length cannot be read.
    pub fn body_file(mut self, path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let len = upload::file_len(path)?;
        self.body = ReqBody::Pieces(Arc::new(vec![Piece::File(path.to_path_buf(), len)]));
        Ok(self)
    }

    /// The body is what the returned [`BodyWriter`] is given, from another thread while
    /// this one waits in [`Client::request`](super::Client::request) (the call returns when
    /// the response head arrives, which a server usually sends after the body). With `length`,
    /// `Content-Length` is sent; without, HTTP/1.1 sends the body chunked. A clone of this
    /// request shares the writer: only one of them can be sent, once (a streamed body is
    /// never sent again on another connection).
    #[must_use]
    pub fn body_writer(mut self, length: Option<u64>) -> (Self, BodyWriter) {
        let (pipe, w) = BodyWriter::new(length);
        self.body = ReqBody::Writer(pipe, length);
        (self, w)
    }

    /// The body is `json` (serialized by the caller), with `Content-Type:
    /// application/json` unless a content type was set.
    #[must_use]
    pub fn json(self, json: impl Into<Bytes>) -> Self {
        self.content_type_default("application/json").body(json)
    }

    /// The body is `pairs` encoded by [`urlencode`], with `Content-Type:
    /// application/x-www-form-urlencoded` unless a content type was set.
    #[must_use]
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        let body = urlencode(pairs);
        self.content_type_default("application/x-www-form-urlencoded")
            .body(body)
    }

    /// The body is the `multipart/form-data` form (its files streamed from disk when the
    /// request is sent), with its `Content-Type` (boundary included; it replaces any set
    /// before) and length.
    ///
    /// # Errors
    /// [`Error::RequestBody`] when a file part cannot be read (to check the boundary).
    pub fn multipart(mut self, form: Multipart) -> Result<Self, Error> {
        let (pieces, content_type) = form.build()?;
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.headers
            .push(("Content-Type".to_owned(), content_type.into_bytes()));
        self.body = ReqBody::Pieces(Arc::new(pieces));
        Ok(self)
    }

    fn content_type_default(self, value: &str) -> Self {
        if self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            self
        } else {
            self.header("Content-Type", value)
        }
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The header fields, in the order added.
    #[must_use]
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    /// The body's length when known (bytes, a file, a form, a writer given a length).
    #[must_use]
    pub fn body_len(&self) -> Option<u64> {
        self.body.len()
    }

    /// Timeouts for this request instead of the client's.
    #[must_use]
    pub fn timeouts(mut self, timeouts: ClientTimeouts) -> Self {
        self.timeouts = Some(timeouts);
        self
    }

    /// Sends this request through `proxy` instead of the client's
    /// ([`ClientConfig::proxy`](super::ClientConfig::proxy)).
    #[must_use]
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = ProxyChoice::Via(proxy);
        self
    }

    /// Sends this request straight to the origin even when the client has a proxy.
    #[must_use]
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Direct;
        self
    }

    /// For an `https://` URL: the TLS server name to send (SNI) and to check the
    /// certificate against, instead of the URL's host (which stays the `Host` header and
    /// what is resolved and connected to). Verification stays as the client has it (on
    /// by default). Connections opened for different server names are pooled apart.
    #[must_use]
    pub fn server_name(mut self, name: &str) -> Self {
        self.server_name = Some(name.to_ascii_lowercase());
        self
    }

    /// The page this request is made from (its "site for cookies", RFC 6265bis 5.2), and
    /// whether it is a top-level navigation from there or a subresource the page fetches.
    /// It decides which `SameSite` cookies of the client's store go with the request and
    /// which ones its responses may set ([`SiteContext`](super::SiteContext)).
    ///
    /// Without it (the default) the request is a top-level navigation to a URL the user
    /// typed: same-site, so every cookie that matches goes, as with curl (which ignores
    /// `SameSite`) and a browser's address bar. With it, a request to another site (another
    /// registrable domain, or another scheme: "schemeful same-site") is cross-site:
    /// `SameSite=Strict` cookies are withheld, `SameSite=Lax` ones go only with a
    /// [`FromPage::Navigation`] by GET or HEAD. Either way, a redirect through another site
    /// makes the following hops cross-site (RFC 6265bis 5.2: every URL of the redirect
    /// chain must be same-site with the request's).
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] when `page` is not an `http`/`https` URL.
    pub fn site_for_cookies(mut self, page: &str, kind: FromPage) -> Result<Self, Error> {
        self.initiator = Some((Url::parse(page)?, kind));
        Ok(self)
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Decode this response's body (and send the default `Accept-Encoding`, or the
    /// [`ClientConfig::profile`](super::ClientConfig::profile)'s) or not, instead of the client's
    /// [`ClientConfig::decompress`](super::ClientConfig::decompress).
    #[must_use]
    pub fn decompress(mut self, on: bool) -> Self {
        self.decompress = Some(on);
        self
    }

    /// This request's redirect policy instead of the client's
    /// [`ClientConfig::redirects`](super::ClientConfig::redirects).
    #[must_use]
    pub fn redirects(mut self, policy: Redirects) -> Self {
        self.redirects = Some(policy);
        self
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{Request, method_name};

    #[test]
    fn usual_methods_are_borrowed_and_others_kept_as_spelled() {
        for m in [
            "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
        ] {
            assert!(matches!(method_name(m), Cow::Borrowed(b) if b == m), "{m}");
        }
        // Methods are case-sensitive: another spelling is another method, sent as given.
        for m in ["get", "Post", "PROPFIND"] {
            assert!(matches!(method_name(m), Cow::Owned(o) if o == m), "{m}");
        }
        assert_eq!(Request::new("get", "http://h/").unwrap().method(), "get");
        assert_eq!(Request::get("http://h/").unwrap().method(), "GET");
    }

    #[test]
    fn the_cancel_signal_is_made_by_the_first_handle_and_shared_by_the_next() {
        let req = Request::get("http://h/").unwrap();
        assert!(req.cancel_signal().is_none());
        let first = req.cancel_handle();
        let second = req.cancel_handle();
        let signal = req.cancel_signal().unwrap();
        assert!(!signal.is_cancelled());
        second.cancel();
        assert!(signal.is_cancelled());
        drop(first);
        // A clone is a new request, with no signal until its own handle is taken.
        assert!(req.clone().cancel_signal().is_none());
    }
}
