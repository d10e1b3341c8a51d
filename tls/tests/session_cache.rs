//! The client session cache stays within its bound however many servers a client talks to,
//! and the newest sessions are the ones kept.

mod common;

use common::*;
use tls::{SessionCache, TlsVersion};

/// More distinct server names than the default capacity: the cache never holds more than the
/// bound, the oldest name is evicted, and the newest name still resumes.
#[test]
fn default_cache_is_bounded_and_keeps_the_newest() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let cache = SessionCache::new();
    let mut cb = client_builder(&pki);
    // One certificate for every name: the names only key the cache.
    cb.verify_hostname(false).session_cache(cache.clone());
    let client = cb.build().unwrap();
    let bound = 256;
    let names: Vec<String> = (0..bound + 60).map(|i| format!("h{i}.test")).collect();
    for name in &names {
        connect_and_take_tickets(&client, &server, name);
        assert!(
            cache.len() <= bound,
            "{} sessions after {name}",
            cache.len()
        );
    }
    assert_eq!(cache.len(), bound);
    let (newest, _) = connect(&client, &server, names.last().unwrap());
    assert!(newest.is_resumed());
    let (oldest, _) = connect(&client, &server, &names[0]);
    assert!(!oldest.is_resumed());
}

/// Smaller limits set on the cache hold the same way: at most `capacity` sessions, at most
/// `per_name` for one server name, the newest name still resumes.
#[test]
fn configured_limits_hold() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let cache = SessionCache::with_limits(8, 2);
    assert_eq!((cache.capacity(), cache.per_name()), (8, 2));
    let mut cb = client_builder(&pki);
    cb.verify_hostname(false).session_cache(cache.clone());
    let client = cb.build().unwrap();
    // One name, many connections: each brings new tickets, the name keeps at most two.
    for _ in 0..10 {
        connect_and_take_tickets(&client, &server, "localhost");
        assert!(cache.len() <= 2, "{}", cache.len());
    }
    assert_eq!(cache.len(), 2);
    for i in 0..20 {
        connect_and_take_tickets(&client, &server, &format!("n{i}.test"));
        assert!(cache.len() <= 8, "{}", cache.len());
    }
    assert_eq!(cache.len(), 8);
    assert!(connect(&client, &server, "n19.test").0.is_resumed());
    assert!(!connect(&client, &server, "localhost").0.is_resumed());
}

/// The default per-name bound holds for a client that keeps reconnecting to one server.
#[test]
fn one_server_keeps_at_most_per_name_sessions() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let cache = SessionCache::new();
    let mut cb = client_builder(&pki);
    cb.session_cache(cache.clone());
    let client = cb.build().unwrap();
    for _ in 0..3 * SessionCache::DEFAULT_PER_NAME {
        connect_and_take_tickets(&client, &server, "localhost");
    }
    assert_eq!(cache.len(), SessionCache::DEFAULT_PER_NAME);
    assert!(connect(&client, &server, "localhost").0.is_resumed());
}

/// A TLS 1.3 ticket is offered once; a TLS 1.2 session is offered again.
#[test]
fn tls13_tickets_are_single_use_tls12_sessions_are_not() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    for (version, resumes_twice) in [(TlsVersion::Tls13, false), (TlsVersion::Tls12, true)] {
        let cache = SessionCache::with_limits(16, 1);
        let mut cb = client_builder(&pki);
        cb.versions(TlsVersion::Tls12, version)
            .session_cache(cache.clone());
        let client = cb.build().unwrap();
        connect_and_take_tickets(&client, &server, "localhost");
        assert_eq!(cache.len(), 1);
        // Without reading the new connection's tickets, so only the first session is there.
        assert!(connect(&client, &server, "localhost").0.is_resumed());
        assert_eq!(
            connect(&client, &server, "localhost").0.is_resumed(),
            resumes_twice,
            "{version:?}"
        );
    }
}

/// The server's stateful cache (TLS 1.2 session IDs, tickets off) keeps at most
/// `session_cache_size` sessions, evicting the oldest; size 0 keeps none.
#[test]
fn server_session_cache_is_bounded() {
    let pki = pki();
    let connect_tls12 = |server: &tls::ServerConfig, names: &[&str]| {
        let cache = SessionCache::with_limits(16, 1);
        let mut cb = client_builder(&pki);
        cb.verify_hostname(false)
            .versions(TlsVersion::Tls12, TlsVersion::Tls12)
            .session_cache(cache.clone());
        let client = cb.build().unwrap();
        for name in names {
            connect_and_take_tickets(&client, server, name);
        }
        client
    };
    let mut sb = server_builder(&pki.server);
    sb.session_tickets(false).session_cache_size(2);
    let server = sb.build().unwrap();
    let client = connect_tls12(&server, &["a.test", "b.test", "c.test"]);
    // Three sessions went into a server cache of two: the first is gone, the last resumes.
    assert!(connect(&client, &server, "c.test").0.is_resumed());
    assert!(connect(&client, &server, "b.test").0.is_resumed());
    assert!(!connect(&client, &server, "a.test").0.is_resumed());

    let mut sb = server_builder(&pki.server);
    sb.session_tickets(false).session_cache_size(0);
    let server = sb.build().unwrap();
    let client = connect_tls12(&server, &["a.test"]);
    assert!(!connect(&client, &server, "a.test").0.is_resumed());

    // The default keeps them (and its bound is BoringSSL's documented default).
    assert_eq!(tls::DEFAULT_SERVER_SESSION_CACHE, 20 * 1024);
    let mut sb = server_builder(&pki.server);
    sb.session_tickets(false);
    let server = sb.build().unwrap();
    let client = connect_tls12(&server, &["a.test", "b.test", "c.test"]);
    assert!(connect(&client, &server, "a.test").0.is_resumed());
}
