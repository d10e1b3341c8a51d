//! Criterion benches of HTTP/1.1: `proto-h1` and `httparse` in the same group, on httparse's own
//! inputs, plus chunked decoding (the pairs of `benches::h1`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn h1(c: &mut Criterion) {
    for mut pair in benches::h1::pairs() {
        let mut group = c.benchmark_group(format!("h1/{}", pair.name));
        if pair.bytes > 0 {
            group.throughput(Throughput::Bytes(pair.bytes));
        }
        group.bench_function("proto-h1", |b| b.iter(&mut pair.ours));
        group.bench_function(pair.peer, |b| b.iter(&mut pair.theirs));
        group.finish();
    }
}

criterion_group!(benches, h1);
criterion_main!(benches);
