//! Criterion benches of the HTTP/2 frame codec and the connection's receive path
//! (`benches::h2::frames`), ours alone; the `compare` report runs the decode and encode
//! workloads against `http2parse` as well (`benches::h2::frame_peer`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn h2_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("h2/frame");
    group.sample_size(20);
    for mut w in benches::h2::frames::workloads() {
        if w.bytes > 0 {
            group.throughput(Throughput::Bytes(w.bytes));
        }
        group.bench_function(&w.name, |b| b.iter(&mut w.run));
    }
    group.finish();
}

criterion_group!(benches, h2_frame);
criterion_main!(benches);
