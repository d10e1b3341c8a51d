//! Criterion benches of TLS: the `tls` crate's memory-buffer sessions and BoringSSL's own
//! `SslStream` over an in-memory duplex in the same group (the pairs of `benches::tls`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn tls(c: &mut Criterion) {
    for mut pair in benches::tls::pairs() {
        let mut group = c.benchmark_group(format!("tls/{}", pair.name));
        if pair.bytes > 0 {
            group.throughput(Throughput::Bytes(pair.bytes));
        }
        group.bench_function("tls", |b| b.iter(&mut pair.ours));
        group.bench_function(pair.peer, |b| b.iter(&mut pair.theirs));
        group.finish();
    }
}

criterion_group!(benches, tls);
criterion_main!(benches);
