//! Criterion benches of SSE parsing: `proto-sse` and `eventsource-stream` in the same group,
//! on the same bytes and chunking (the pairs of `benches::sse`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn sse(c: &mut Criterion) {
    for mut pair in benches::sse::pairs() {
        let mut group = c.benchmark_group(format!("sse/{}", pair.name));
        if pair.bytes > 0 {
            group.throughput(Throughput::Bytes(pair.bytes));
        }
        group.bench_function("proto-sse", |b| b.iter(&mut pair.ours));
        group.bench_function(pair.peer, |b| b.iter(&mut pair.theirs));
        group.finish();
    }
}

criterion_group!(benches, sse);
criterion_main!(benches);
