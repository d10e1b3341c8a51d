//! Criterion benches of WebSocket: `proto-ws` against `tungstenite` and `fastwebsockets` in the
//! same group, on the same bytes (the pairs of `benches::ws`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn ws(c: &mut Criterion) {
    for mut pair in benches::ws::pairs() {
        let mut group = c.benchmark_group(format!("ws/{} vs {}", pair.name, pair.peer));
        if pair.bytes > 0 {
            group.throughput(Throughput::Bytes(pair.bytes));
        }
        group.bench_function("proto-ws", |b| b.iter(&mut pair.ours));
        group.bench_function(pair.peer, |b| b.iter(&mut pair.theirs));
        group.finish();
    }
}

criterion_group!(benches, ws);
criterion_main!(benches);
