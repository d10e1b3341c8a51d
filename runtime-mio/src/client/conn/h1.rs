//! The HTTP/1.1 side of a client connection: one exchange at a time on proto-h1's
//! [`ClientConn`] (keep-alive, no pipelining), its request body fed while the socket keeps
//! up, and the switch of an upgrade request (101) into a [`Tunnel`](super::tunnel::Tunnel).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use proto_h1::{ClientConn, EMPTY_HEADER, Event as H1Event, Header};

use super::{Active, H1_SEND_BUDGET, InlineList, SEND_PIECE};
use crate::client::body::{Fields, Head, Reason, Version};
use crate::client::error::{Error, ProtocolError};
use crate::client::pool::{ConnShared, Job};
use crate::event_loop::ConnWaker;

/// An HTTP/1.1 connection and the exchange it carries.
pub(super) struct H1 {
    pub(super) conn: ClientConn,
    pub(super) current: Option<Active>,
}

/// The request head as HTTP/1.1 sends it, into `v` (the caller's, so that the list is not
/// moved): the caller's fields in order and case, `Host` (the connection's `authority`)
/// first when the caller gave none, and the body's `Content-Length` (or `Transfer-Encoding:
/// chunked` for a streamed body of unknown length). Returns whether a `Transfer-Encoding`
/// field is among them (the body then goes chunked), found in the one pass over the
/// caller's fields that looks for `Host` and the framing fields.
fn h1_headers<'a>(
    v: &mut InlineList<Header<'a>>,
    job: &'a Job,
    authority: &'a str,
    length: &'a str,
) -> bool {
    let req = &job.req;
    let (mut host, mut length_field, mut chunked) = (false, false, false);
    for (n, _) in &req.headers {
        match n.len() {
            4 => host |= n.eq_ignore_ascii_case("host"),
            14 => length_field |= n.eq_ignore_ascii_case("content-length"),
            17 => chunked |= n.eq_ignore_ascii_case("transfer-encoding"),
            _ => {}
        }
    }
    if !host {
        v.push(Header {
            name: "Host",
            value: authority.as_bytes(),
        });
    }
    v.extend(req.fields().map(|(name, value)| Header { name, value }));
    // A tunnel's body is not an HTTP message body: it goes after the switch, unframed.
    if !length_field && !chunked && req.tunnel.is_none() {
        match req.body.len() {
            None => {
                v.push(Header {
                    name: "Transfer-Encoding",
                    value: b"chunked",
                });
                chunked = true;
            }
            Some(n) if n > 0 || req.method_has_body() => v.push(Header {
                name: "Content-Length",
                value: length.as_bytes(),
            }),
            Some(_) => {}
        }
    }
    if req.auto_expect {
        v.push(Header {
            name: "Expect",
            value: b"100-continue",
        });
    }
    if let Some(t) = &req.tunnel {
        v.extend(t.h1_headers.iter().map(|(n, val)| Header {
            name: n,
            value: val,
        }));
        chunked |= t
            .h1_headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
    }
    chunked
}

/// Hands request body bytes to the HTTP/1.1 engine while its send queue is short and the
/// socket takes them; ends the message when the body ended.
fn feed_h1(
    conn: &mut ClientConn,
    a: &mut Active,
    now: Instant,
    backed_up: bool,
) -> Result<(), Error> {
    while !a.send.done && !backed_up && conn.queued() < H1_SEND_BUDGET {
        match a.send.next(SEND_PIECE)? {
            Some(b) => {
                conn.send_data_bytes(b)
                    .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                a.send.progress = now;
            }
            None => {
                if a.send.at_end() {
                    let trailers = a.send.take_trailers();
                    let fields: Vec<Header<'_>> = trailers
                        .iter()
                        .map(|(n, v)| Header { name: n, value: v })
                        .collect();
                    conn.send_end(&fields)
                        .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                    a.body_sent(now);
                }
                break;
            }
        }
    }
    Ok(())
}

fn h1_head(head: &proto_h1::ResponseHead<'_>) -> Head {
    let fields = Fields::from_tokens(
        head.fields.len(),
        head.fields.name_value_bytes(),
        head.fields.iter_bytes(),
    );
    Head {
        status: head.code,
        version: match head.version {
            proto_h1::Version::Http10 => Version::Http10,
            proto_h1::Version::Http11 => Version::Http11,
        },
        reason: Reason::received(head.code, head.reason),
        fields,
        informational: Vec::new(),
    }
}

pub(super) fn step_h1(
    h: &mut H1,
    jobs: &mut VecDeque<Job>,
    shared: &ConnShared,
    waker: Option<&ConnWaker>,
    now: Instant,
    closing: &mut bool,
    backed_up: bool,
) -> Result<bool, Error> {
    loop {
        if h.current.as_ref().is_some_and(|a| a.ex.is_cancelled()) {
            // RFC 9112 9.6: the rest of the response would have to be read to reuse the
            // connection; a cancelled exchange closes it instead.
            h.current = None;
            shared.mark_closed();
            *closing = true;
            return Ok(false);
        }
        if h.current.is_none() {
            if *closing || h.conn.is_closed() {
                return Ok(false);
            }
            let Some(mut job) = jobs.pop_front() else {
                return Ok(false);
            };
            if job.ex.is_cancelled() {
                shared.release();
                continue;
            }
            let mut digits = [0; 20];
            let length = job
                .req
                .body
                .len()
                .map_or("", |n| crate::decimal::decimal(n, &mut digits));
            let mut headers = InlineList::new(EMPTY_HEADER);
            let chunked = h1_headers(&mut headers, &job, &shared.authority, length);
            let sent = h
                .conn
                .send_request(&job.req.method, &job.req.target, headers.as_slice());
            drop(headers);
            if let Err(e) = sent {
                job.ex.fail(Error::InvalidRequest(e.to_string()));
                shared.release();
                continue;
            }
            job.ex.attach(waker.cloned());
            let mut a = Active::new(&mut job, now, waker, true);
            a.chunked = chunked;
            h.current = Some(a);
        }
        if let Some(a) = &mut h.current
            && !a.send.done
            && a.may_send()
            && !a.tunnel
            && let Err(e) = feed_h1(&mut h.conn, a, now, backed_up)
        {
            // The body is cut short: the connection cannot carry another request.
            a.ex.fail(e);
            h.current = None;
            shared.mark_closed();
            *closing = true;
            return Ok(false);
        }
        let Some(a) = &mut h.current else {
            return Ok(false);
        };
        if a.head && !a.reserve(now) {
            return Ok(false);
        }
        match h.conn.poll_event() {
            Ok(Some(H1Event::Response(head))) => {
                if head.code == 101 && a.tunnel {
                    // The engine checked the switch against the offer; `Upgrade` follows.
                    a.set_head(h1_head(&head));
                    a.head = true;
                    a.last_data = now;
                } else if head.code == 101 {
                    a.ex.fail(Error::Protocol(ProtocolError::Unsupported(
                        "a protocol switch (101)",
                    )));
                    h.current = None;
                    shared.mark_closed();
                    *closing = true;
                    return Ok(false);
                } else if a.interim_or_refused(head.code, now) {
                    // A final answer to `Expect: 100-continue` before the body went: it is
                    // not sent. A chunked body ends empty (the connection stays usable
                    // when the answer allows); one announced by `Content-Length` cannot
                    // be cut short, so the connection is not reused.
                    a.set_head(h1_head(&head));
                    let close = !a.chunked || !h.conn.peer_keeps_alive();
                    if close || h.conn.send_end(&[]).is_err() {
                        shared.mark_closed();
                    } else {
                        a.ended_empty = true;
                    }
                    a.head = true;
                    a.last_data = now;
                } else if head.code >= 200 {
                    let code = head.code;
                    a.set_head(h1_head(&head));
                    if !a.send.done && !a.tunnel && (code >= 300 || !h.conn.peer_keeps_alive()) {
                        // RFC 9112 9.5 (and curl): an answer before the body was all sent
                        // that refuses it or closes the connection stops the body here. The
                        // answer goes to the caller; the connection is not reused.
                        a.send_stopped = true;
                        a.send.fail(&Error::AnsweredEarly { status: code });
                        shared.mark_closed();
                    }
                    a.head = true;
                    a.last_data = now;
                } else {
                    a.informational(h1_head(&head));
                }
            }
            Ok(Some(H1Event::Data(d))) => {
                a.ex.push(d);
                a.last_data = now;
            }
            Ok(Some(H1Event::End { .. })) => {
                // The connection is free before the caller learns the body ended, so that
                // the caller's next request finds it.
                let ex = Arc::clone(&a.ex);
                let body_cut = !a.send.done && !a.ended_empty;
                h.current = None;
                if h.conn.is_closed() || body_cut {
                    // Answered before the request body was all sent: the rest of it
                    // would be taken for the next request.
                    shared.mark_closed();
                    *closing |= body_cut;
                }
                shared.release();
                ex.finish();
            }
            Ok(Some(H1Event::Upgrade(rest))) if a.tunnel && a.head => {
                // What came after the 101 is the new protocol's.
                a.ex.push(rest);
                shared.mark_closed();
                return Ok(true);
            }
            Ok(Some(_)) => {
                a.ex.fail(Error::Protocol(ProtocolError::Unsupported(
                    "a protocol switch",
                )));
                h.current = None;
                shared.mark_closed();
                *closing = true;
                return Ok(false);
            }
            Ok(None) => return Ok(false),
            // The server closed before any byte of the answer (a kept-alive connection it
            // dropped as the request went out): the connection closed, the request may be
            // retried (idempotent ones are). Cut after the head it is a framing error.
            Err(proto_h1::Error::UnexpectedEof) if !a.head => {
                return Err(Error::ConnectionClosed);
            }
            Err(e) => return Err(Error::Protocol(ProtocolError::H1(e))),
        }
    }
}
