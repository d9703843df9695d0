//! `cargo bench -p amocrm-bench --bench suite [-- throughput|memory|pacing|decode] [options]`:
//! the same suite as the `amocrm-bench` binary (see `BENCHMARKS.md`).

#[global_allocator]
static ALLOC: amocrm_bench::alloc::CountingAlloc = amocrm_bench::alloc::CountingAlloc;

fn main() -> std::process::ExitCode {
    amocrm_bench::main_with_args(std::env::args().skip(1).collect())
}
