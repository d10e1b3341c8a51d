//! BDP window growth with a real clock reading (kept out of `src/`, which reads no clock).

use proto_h2::flow::Bdp;
use std::time::{Duration, Instant};

#[test]
fn bdp_doubles_when_window_bound() {
    let t0 = Instant::now();
    let mut b = Bdp::new(1 << 24);
    assert!(b.on_data(10));
    b.on_ping_sent(t0);
    assert!(!b.on_data(60_000));
    assert_eq!(
        b.on_ping_ack(t0 + Duration::from_millis(10), 65_535),
        Some(131_070)
    );
    assert_eq!(b.rtt(), Some(Duration::from_millis(10)));
    b.on_ping_sent(t0);
    b.on_data(10);
    assert_eq!(b.on_ping_ack(t0, 65_535), None);
}
