//! `cargo run --release -p amocrm-bench -- [all|throughput|memory|pacing|decode] [options]`

#[global_allocator]
static ALLOC: amocrm_bench::alloc::CountingAlloc = amocrm_bench::alloc::CountingAlloc;

fn main() -> std::process::ExitCode {
    amocrm_bench::main_with_args(std::env::args().skip(1).collect())
}
