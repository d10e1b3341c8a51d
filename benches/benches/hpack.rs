//! Criterion benches of HPACK: `proto-h2` against fluke-hpack and httlib-hpack in the same
//! group, on the same hpack-test-case stories (the pairs of `benches::h2::hpack`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn hpack(c: &mut Criterion) {
    for mut pair in benches::h2::hpack::pairs() {
        let mut group = c.benchmark_group(format!("h2/{} vs {}", pair.name, pair.peer));
        group.sample_size(20);
        if pair.bytes > 0 {
            group.throughput(Throughput::Bytes(pair.bytes));
        }
        group.bench_function("proto-h2", |b| b.iter(&mut pair.ours));
        group.bench_function(pair.peer, |b| b.iter(&mut pair.theirs));
        group.finish();
    }
}

criterion_group!(benches, hpack);
criterion_main!(benches);
