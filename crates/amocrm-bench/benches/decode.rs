//! Criterion: decoding one 250-widget list page and one 250-lead list page (10 custom
//! field values a lead), in bytes per second.
//! `cargo bench -p amocrm-bench --bench decode`

use std::hint::black_box;

use amocrm_bench::decode::{Decoder, page_body};
use amocrm_bench::leads::decode as leads;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn decode(c: &mut Criterion) {
    let body = page_body(1).expect("a page from the fake");
    let mut group = c.benchmark_group("decode_page_250");
    group.throughput(Throughput::Bytes(body.len() as u64));
    for decoder in Decoder::ALL {
        group.bench_function(decoder.id(), |b| {
            b.iter(|| decoder.decode(black_box(&body)))
        });
    }
    group.finish();
}

fn decode_leads(c: &mut Criterion) {
    let body = leads::page_body().expect("a lead page from the fake");
    let mut group = c.benchmark_group("decode_lead_page_250");
    group.throughput(Throughput::Bytes(body.len() as u64));
    for decoder in leads::Decoder::ALL {
        group.bench_function(decoder.id(), |b| {
            b.iter(|| decoder.decode(black_box(&body)))
        });
    }
    group.finish();
}

criterion_group!(benches, decode, decode_leads);
criterion_main!(benches);
